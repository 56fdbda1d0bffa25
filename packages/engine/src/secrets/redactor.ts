import { SECRET_MASK, Secret } from "./secret.js";
import { type SecretMatcher, secretMatcherFor } from "./secret-matcher.js";
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
  /** Shared by the runs that know the same secrets; found again when a secret is added. */
  #matcher: SecretMatcher | undefined;

  /** Remembers a secret so that it is scrubbed from everything redacted afterwards. */
  add(secret: string | Secret): void {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    if (value.length < MIN_SCRUBBED_LENGTH || this.#secrets.has(value)) return;
    this.#secrets.add(value);
    this.#matcher = undefined;
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
      const matcher = this.#matcherOf();
      // The same short texts (property names, statuses, hosts) are redacted in every run.
      const remember = whole && text.length <= REMEMBERED_TEXT_LENGTH;
      const known = remember ? matcher.redactedBefore(text) : undefined;
      if (known !== undefined) return known;
      out = maskUrlCredentials(maskCutSecrets(matcher, matcher.scrub(text), whole));
      if (remember) matcher.rememberRedacted(text, out);
      return out;
    }
    return maskUrlCredentials(out);
  }

  /**
   * How many characters at the end of `text` could be the start of a known secret, as written or
   * encoded (0 if none): text streamed in pieces must hold them back until the next piece shows
   * whether they are.
   */
  trailingSecretStart(text: string): number {
    if (this.#secrets.size === 0) return 0;
    return this.#matcherOf().startBefore(text, text.length, 1);
  }

  #matcherOf(): SecretMatcher {
    this.#matcher ??= secretMatcherFor(this.#secrets);
    return this.#matcher;
  }

  /**
   * Returns a copy of a JSON-like value with `Secret`s masked and known secret strings scrubbed.
   * Values are copied only where something changes, so clean data costs one walk. `depth`: how deep
   * `value` sits in what is being redacted piece by piece (nesting past `MAX_DEPTH` is cut).
   */
  redact<T>(value: T, depth = 0): T {
    return redactValue(value, this, depth) as T;
  }
}

const MAX_DEPTH = 64;

/** Whole texts up to this long are remembered by the matcher once redacted (see `SecretMatcher`). */
const REMEMBERED_TEXT_LENGTH = 100;

/** Where text was cut short: `...` or `…`, after a closing quote or not (`"sk-abc"...`). */
const CUT_MARKER = /"?(?:\.\.\.|…)/g;

/** Masks the start of a secret before each cut marker and, for a whole text, at its end. */
function maskCutSecrets(matcher: SecretMatcher, text: string, whole: boolean): string {
  let out = text;
  if (out.includes("...") || out.includes("…")) {
    let result = "";
    let last = 0;
    for (const match of out.matchAll(CUT_MARKER)) {
      const start = matcher.startBefore(out, match.index, MIN_SCRUBBED_LENGTH);
      if (start === 0 || match.index - start < last) continue;
      result += out.slice(last, match.index - start) + SECRET_MASK;
      last = match.index;
    }
    if (last > 0) out = result + out.slice(last);
  }
  if (whole) {
    const start = matcher.startBefore(out, out.length, MIN_SCRUBBED_LENGTH);
    if (start > 0) out = out.slice(0, out.length - start) + SECRET_MASK;
  }
  return out;
}

function redactValue(value: unknown, redactor: Redactor, depth: number): unknown {
  if (typeof value === "string") return redactor.redactText(value);
  if (value === null || typeof value !== "object") return value;
  // Plain objects and arrays, most of what is redacted, are neither `Secret`s nor errors: they
  // skip those checks (`instanceof Secret` runs a function of its own).
  const proto = Object.getPrototypeOf(value);
  const plain = proto === Object.prototype || proto === null;
  if (!plain && !Array.isArray(value)) {
    if (value instanceof Secret) return SECRET_MASK;
    if (depth > MAX_DEPTH) return "[too deep]";
    if (value instanceof Error) {
      return { name: value.name, message: redactor.redactText(value.message) };
    }
    // Class instances (SDK objects, clients) are not data: keep only what JSON would show.
    const json = (value as { toJSON?: () => unknown }).toJSON;
    return typeof json === "function" ? redactValue(json.call(value), redactor, depth + 1) : "[object]";
  }
  if (depth > MAX_DEPTH) return "[too deep]";
  if (!plain) {
    const array = value as unknown[];
    let copy: unknown[] | undefined;
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      const next = redactValue(item, redactor, depth + 1);
      if (next !== item) {
        copy ??= array.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
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
  for (const key in value) defineOwn(copy, redactor.redactText(key), value[key]);
  return copy;
}

/**
 * Sets a property as data. Keys come from user data (a parsed JSON `"__proto__"`): assigning one
 * to a fresh object would set its prototype instead, and drop the property.
 */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
