import { SECRET_MASK } from "./secret.js";
import { secretForms } from "./secret-forms.js";

/**
 * Finds the forms of a set of secrets in text (see `secret-forms.ts`): whole, to mask them, or
 * their start at a given place, where a text was cut. One matcher serves every run that knows the
 * same set of secrets, so what it precomputes is paid for once, not per run.
 */
export class SecretMatcher {
  /** Every form of every secret, longest first, so that a secret containing another is masked whole. */
  readonly #forms: readonly string[];
  /** The longest form: no start of a form reaches further back from the end of a text. */
  readonly #longest: number;
  readonly #shortest: number;
  #scanned = 0;
  #pattern: RegExp | undefined;
  #byFirstChar: FormsByFirstChar | undefined;
  #startPairs: number[] | undefined;
  /** Short whole texts already redacted for these secrets: keys, statuses and hosts recur run after run. */
  readonly #redacted = new Map<string, string>();

  constructor(forms: readonly string[]) {
    this.#forms = forms;
    this.#longest = forms.reduce((longest, form) => Math.max(longest, form.length), 0);
    this.#shortest = forms.reduce(
      (shortest, form) => Math.min(shortest, form.length),
      Number.POSITIVE_INFINITY,
    );
  }

  /** What `text` (short, whole) was redacted to before, for this set of secrets. */
  redactedBefore(text: string): string | undefined {
    return this.#redacted.get(text);
  }

  /** Remembers what a short whole `text` is redacted to (a bounded number of texts). */
  rememberRedacted(text: string, redacted: string): void {
    if (this.#redacted.size >= REMEMBERED_TEXTS) this.#redacted.clear();
    this.#redacted.set(text, redacted);
  }

  /** Replaces every form of every secret in `text` with the mask. */
  scrub(text: string): string {
    if (this.#pattern) return text.replace(this.#pattern, SECRET_MASK);
    // Most texts a run lets out are short (names, ids, hosts): one pass over the table of the
    // forms' first two characters rules them out faster than a search for each form.
    if (text.length <= SHORT_TEXT_LENGTH && !this.#mayHoldForm(text)) return text;
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

  /**
   * How many characters before `end` in `text` are the start of a form (0 if none), counting only
   * starts of at least `minimum` characters. The leftmost such start, so the longest.
   */
  startBefore(text: string, end: number, minimum: number): number {
    const from = Math.max(0, end - this.#longest + 1);
    const to = end - Math.max(1, minimum);
    if (to < from) return 0;
    // A start of two characters or more must begin with the first two characters of a form: a
    // table of those pairs rules out almost every place with two reads.
    const pairs = minimum >= 2 ? this.#pairs() : undefined;
    const byFirstChar = this.#firstChars();
    for (let at = from; at <= to; at++) {
      const code = text.charCodeAt(at);
      if (pairs !== undefined && !hasPair(pairs, pairIndex(code, text.charCodeAt(at + 1)))) continue;
      const candidates = code < 128 ? byFirstChar.ascii[code] : byFirstChar.other.get(code);
      if (candidates === undefined) continue;
      for (const form of candidates) {
        if (form.length > end - at && startsWithRange(form, text, at, end)) return end - at;
      }
    }
    return 0;
  }

  /** Whether a form could start somewhere in `text`, by its first two characters. */
  #mayHoldForm(text: string): boolean {
    const pairs = this.#pairs();
    const last = text.length - this.#shortest;
    for (let at = 0; at <= last; at++) {
      if (hasPair(pairs, pairIndex(text.charCodeAt(at), text.charCodeAt(at + 1)))) return true;
    }
    return false;
  }

  #pairs(): number[] {
    if (!this.#startPairs) {
      // A bit per pair, in small integers: an array this size is cheap to make for each new key.
      const bits = new Array<number>(PAIR_TABLE_SIZE / 32).fill(0);
      for (const form of this.#forms) {
        const index = pairIndex(form.charCodeAt(0), form.charCodeAt(1));
        bits[index >>> 5]! |= 1 << (index & 31);
      }
      this.#startPairs = bits;
    }
    return this.#startPairs;
  }

  #firstChars(): FormsByFirstChar {
    if (!this.#byFirstChar) {
      const ascii = new Array<string[] | undefined>(128).fill(undefined);
      const other = new Map<number, string[]>();
      for (const form of this.#forms) {
        const first = form.charCodeAt(0);
        const list = first < 128 ? ascii[first] : other.get(first);
        if (list) list.push(form);
        else if (first < 128) ascii[first] = [form];
        else other.set(first, [form]);
      }
      this.#byFirstChar = { ascii, other };
    }
    return this.#byFirstChar;
  }
}

/** The matcher of a set of secrets, from a small cache shared by runs: runs of one app share keys. */
export function secretMatcherFor(secrets: ReadonlySet<string>): SecretMatcher {
  const key = secrets.size === 1 ? (secrets.values().next().value as string) : [...secrets].sort().join("\0");
  // Runs one after another mostly know the same secrets: the latest matcher needs no lookup.
  if (key === latest?.key) return latest.matcher;
  let matcher = matchers.get(key);
  if (matcher === undefined) {
    const forms = new Set<string>();
    for (const secret of secrets) for (const form of secretForms(secret)) forms.add(form);
    matcher = new SecretMatcher([...forms].sort((a, b) => b.length - a.length));
    if (matchers.size >= MATCHERS_CAPACITY) matchers.delete(matchers.keys().next().value as string);
  } else {
    matchers.delete(key);
  }
  matchers.set(key, matcher);
  latest = { key, matcher };
  return matcher;
}

const matchers = new Map<string, SecretMatcher>();
let latest: { key: string; matcher: SecretMatcher } | undefined;
const MATCHERS_CAPACITY = 64;

/**
 * Text scrubbed for one set of secrets before their forms are compiled into one regular
 * expression. Compiling costs about as much as scanning this much text form by form, so a run
 * that lets out little never pays for it, and a busy set of secrets is scanned once per text.
 */
const COMPILE_AFTER_CHARACTERS = 64 * 1024;

interface FormsByFirstChar {
  /** By ASCII code (an array: a lookup at every place of the text must be cheap). */
  ascii: Array<string[] | undefined>;
  other: Map<number, string[]>;
}

const PAIR_TABLE_SIZE = 4096;

/** How many short redacted texts a matcher remembers; it forgets them all past that. */
const REMEMBERED_TEXTS = 512;

/** Texts up to this long are first checked against the table of first-character pairs. */
const SHORT_TEXT_LENGTH = 256;

function pairIndex(first: number, second: number): number {
  // NaN (past the end of the text) becomes 0 in the bitwise operations, like any other pair.
  return ((first * 31) ^ second) & (PAIR_TABLE_SIZE - 1);
}

function hasPair(bits: readonly number[], index: number): boolean {
  return ((bits[index >>> 5]! >>> (index & 31)) & 1) === 1;
}

/** Whether `form` starts with `text.slice(from, to)`, without making that slice. */
function startsWithRange(form: string, text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    if (form.charCodeAt(at - from) !== text.charCodeAt(at)) return false;
  }
  return true;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}
