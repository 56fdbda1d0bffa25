import { SECRET_MASK, Secret } from "./secret.js";

/**
 * Secrets shorter than this are not scrubbed from text: they would mask ordinary words in
 * messages ("wrong", "test"). Real API keys are far longer, and `Secret` values themselves are
 * masked whatever their length.
 */
const MIN_SCRUBBED_LENGTH = 8;

/**
 * A run-scoped scrubber. It learns every secret string in play (secret inputs, connection keys,
 * dynamic connections made during the run) and removes them from anything the run lets out:
 * events, outputs, errors, traces. It is the second line of defence after `Secret`.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #sorted: string[] | undefined;

  /** Remembers a secret so that it is scrubbed from everything redacted afterwards. */
  add(secret: string | Secret): void {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    if (value.length < MIN_SCRUBBED_LENGTH || this.#secrets.has(value)) return;
    this.#secrets.add(value);
    this.#sorted = undefined;
  }

  /** Whether any secret string is known. */
  get isEmpty(): boolean {
    return this.#secrets.size === 0;
  }

  /** Replaces every known secret in a string with the mask. */
  redactText(text: string): string {
    if (this.#secrets.size === 0) return text;
    // Longest first, so that a secret containing another is masked whole.
    this.#sorted ??= [...this.#secrets].sort((a, b) => b.length - a.length);
    let out = text;
    for (const secret of this.#sorted) {
      if (out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
    }
    return out;
  }

  /**
   * How many characters at the end of `text` could be the start of a known secret (0 if none):
   * text streamed in pieces must hold them back until the next piece shows whether they are.
   */
  trailingSecretStart(text: string): number {
    let longest = 0;
    for (const secret of this.#secrets) {
      const first = secret.charCodeAt(0);
      for (let at = Math.max(0, text.length - secret.length + 1); at < text.length - longest; at++) {
        if (text.charCodeAt(at) === first && secret.startsWith(text.slice(at))) {
          longest = text.length - at;
          break;
        }
      }
    }
    return longest;
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
