import { SECRET_MASK, Secret } from "./secret.js";
import { secretForms } from "./secret-forms.js";
import { maskUrlCredentials } from "./url-credentials.js";

/**
 * Secrets shorter than this are not scrubbed from text: they would mask ordinary words in
 * messages ("wrong", "test"). Real API keys are far longer, and `Secret` values themselves are
 * masked whatever their length.
 */
export const MIN_SCRUBBED_LENGTH = 8;

/**
 * A run-scoped scrubber. It learns every secret string in play (secret inputs, connection keys,
 * dynamic connections made during the run) and removes them from anything the run lets out:
 * events, outputs, errors, traces. It is the second line of defence after `Secret`.
 *
 * Each secret is scrubbed as written and in the encodings services echo keys in (URL-encoded,
 * hex, base64 and base64url at any alignment). Credentials in URLs (`https://user:pass@…`,
 * `?api-key=…`) are masked too, whether the run knows them or not.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #scrubber: FormScrubber | undefined;
  #holdBack: HoldBackIndex | undefined;

  /** Remembers a secret so that it is scrubbed from everything redacted afterwards. */
  add(secret: string | Secret): void {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    if (value.length < MIN_SCRUBBED_LENGTH || this.#secrets.has(value)) return;
    this.#secrets.add(value);
    this.#scrubber = undefined;
    this.#holdBack = undefined;
  }

  /** Whether any secret string is known. */
  get isEmpty(): boolean {
    return this.#secrets.size === 0;
  }

  /**
   * Replaces every known secret (in any of its encodings) and every URL credential with the mask.
   * A text cut short — by a service, a stream or a length limit — can end in the middle of a key:
   * the first `MIN_SCRUBBED_LENGTH` or more characters of a secret are masked too where the text
   * ends or a cut is marked (`...`, `…`).
   */
  redactText(text: string): string {
    return this.#redact(text, true);
  }

  /**
   * `redactText` for a piece of a text that may go on: its end is left as it is (the stream
   * redactor holds a possible start of a secret back instead).
   */
  redactPiece(text: string): string {
    return this.#redact(text, false);
  }

  #redact(text: string, whole: boolean): string {
    let out = text;
    if (this.#secrets.size > 0 && text.length >= MIN_SCRUBBED_LENGTH) {
      this.#scrubber ??= scrubberFor(this.#secrets);
      out = this.#maskCutSecrets(this.#scrubber.scrub(text), whole);
    }
    return maskUrlCredentials(out);
  }

  /**
   * How many characters at the end of `text` could be the start of a known secret, as written or
   * encoded (0 if none): text streamed in pieces must hold them back until the next piece shows
   * whether they are.
   */
  trailingSecretStart(text: string): number {
    return this.#secretStartBefore(text, text.length);
  }

  /** How many characters before `end` could be the start of a known secret's form. */
  #secretStartBefore(text: string, end: number): number {
    if (this.#secrets.size === 0 || end === 0) return 0;
    this.#holdBack ??= holdBackIndex(this.#secrets);
    const index = this.#holdBack;
    // The leftmost start that fits is the longest tail.
    for (let at = Math.max(0, end - index.longest + 1); at < end; at++) {
      const code = text.charCodeAt(at);
      if (code < 128 && index.asciiFirstChars[code] === 0) continue;
      const candidates = index.byFirstChar.get(code);
      if (candidates === undefined) continue;
      const tail = end - at;
      const rest = text.slice(at, end);
      for (const literal of candidates) {
        if (literal.length > tail && literal.startsWith(rest)) return tail;
      }
    }
    return 0;
  }

  /** Masks the start of a secret before each cut marker and, for a whole text, at its end. */
  #maskCutSecrets(text: string, whole: boolean): string {
    let out = text;
    if (out.includes("...") || out.includes("…")) {
      let result = "";
      let last = 0;
      for (const match of out.matchAll(CUT_MARKER)) {
        const start = this.#secretStartBefore(out, match.index);
        if (start < MIN_SCRUBBED_LENGTH || match.index - start < last) continue;
        result += out.slice(last, match.index - start) + SECRET_MASK;
        last = match.index;
      }
      if (last > 0) out = result + out.slice(last);
    }
    if (whole) {
      const start = this.trailingSecretStart(out);
      if (start >= MIN_SCRUBBED_LENGTH) out = out.slice(0, out.length - start) + SECRET_MASK;
    }
    return out;
  }

  /**
   * Returns a copy of a JSON-like value with `Secret`s masked and known secret strings scrubbed.
   * Values are copied only where something changes, so clean data costs one walk.
   */
  redact<T>(value: T): T {
    return redactValue(value, this, 0) as T;
  }
}

const MAX_DEPTH = 64;

/** Where text was cut short: `...` or `…`, after a closing quote or not (`"sk-abc"...`). */
const CUT_MARKER = /"?(?:\.\.\.|…)/g;

function redactValue(value: unknown, redactor: Redactor, depth: number): unknown {
  if (typeof value === "string") return redactor.redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Secret) return SECRET_MASK;
  if (depth > MAX_DEPTH) return "[too deep]";
  if (value instanceof Error) {
    return { name: value.name, message: redactor.redactText(value.message) };
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const next = redactValue(item, redactor, depth + 1);
      if (next !== item) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // Class instances (SDK objects, clients) are not data: keep only what JSON would show.
    const json = (value as { toJSON?: () => unknown }).toJSON;
    return typeof json === "function" ? redactValue(json.call(value), redactor, depth + 1) : "[object]";
  }
  let copy: Record<string, unknown> | undefined;
  let renamed = false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const next = redactValue(item, redactor, depth + 1);
    if (next !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = next;
    }
    renamed ||= redactor.redactText(key) !== key;
  }
  return renamed ? redactKeys(copy ?? (value as Record<string, unknown>), redactor) : (copy ?? value);
}

/** A secret can be a property name too (usage or limits kept per key): mask it there as well. */
function redactKeys(value: Record<string, unknown>, redactor: Redactor): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[redactor.redactText(key)] = value[key];
  return copy;
}

/** The literal forms of every secret, by first character, for the stream's hold-back check. */
interface HoldBackIndex {
  byFirstChar: Map<number, string[]>;
  /** 1 for ASCII characters that start a form: most characters are ruled out without a lookup. */
  asciiFirstChars: Uint8Array;
  longest: number;
}

function holdBackIndex(secrets: ReadonlySet<string>): HoldBackIndex {
  const byFirstChar = new Map<number, string[]>();
  const asciiFirstChars = new Uint8Array(128);
  let longest = 0;
  for (const secret of secrets) {
    for (const literal of secretForms(secret)) {
      const first = literal.charCodeAt(0);
      if (first < 128) asciiFirstChars[first] = 1;
      const list = byFirstChar.get(first);
      if (list) list.push(literal);
      else byFirstChar.set(first, [literal]);
      longest = Math.max(longest, literal.length);
    }
  }
  return { byFirstChar, asciiFirstChars, longest };
}

/**
 * Text scrubbed for one set of secrets before their forms are compiled into one regular
 * expression. Compiling costs about as much as scanning this much text form by form, so a run
 * that lets out little never pays for it, and a busy set of secrets is scanned once per text.
 */
const COMPILE_AFTER_CHARACTERS = 64 * 1024;

/** Replaces every form of a set of secrets with the mask, longest form first. */
class FormScrubber {
  readonly #forms: readonly string[];
  #scanned = 0;
  #pattern: RegExp | undefined;

  constructor(forms: readonly string[]) {
    this.#forms = forms;
  }

  scrub(text: string): string {
    if (this.#pattern) return text.replace(this.#pattern, SECRET_MASK);
    this.#scanned += text.length;
    if (this.#scanned > COMPILE_AFTER_CHARACTERS) {
      this.#pattern = new RegExp(this.#forms.map(escapeRegExp).join("|"), "g");
      return text.replace(this.#pattern, SECRET_MASK);
    }
    let out = text;
    for (const form of this.#forms) {
      if (out.includes(form)) out = out.split(form).join(SECRET_MASK);
    }
    return out;
  }
}

/** Scrubbers of recent sets of secrets, shared by runs: runs of one app mostly share their keys. */
const scrubbers = new Map<string, FormScrubber>();
const SCRUBBERS_CAPACITY = 64;

function scrubberFor(secrets: ReadonlySet<string>): FormScrubber {
  const key = secrets.size === 1 ? (secrets.values().next().value as string) : [...secrets].sort().join("\0");
  let scrubber = scrubbers.get(key);
  if (scrubber === undefined) {
    const forms = new Set<string>();
    for (const secret of secrets) for (const form of secretForms(secret)) forms.add(form);
    // Longest first, so that a secret containing another is masked whole.
    scrubber = new FormScrubber([...forms].sort((a, b) => b.length - a.length));
    if (scrubbers.size >= SCRUBBERS_CAPACITY) scrubbers.delete(scrubbers.keys().next().value as string);
  } else {
    scrubbers.delete(key);
  }
  scrubbers.set(key, scrubber);
  return scrubber;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}
