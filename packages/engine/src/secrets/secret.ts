import { inspect } from "node:util";

/** What a secret prints as, everywhere. */
export const SECRET_MASK = "***";

/**
 * A value that must never be printed: API keys, secret inputs, connection secrets.
 * `toString`, `toJSON` and `util.inspect` print a mask; only `reveal()` gives the value back,
 * and only code that builds a request should call it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The real value. Call it only where a request to a service is built. */
  reveal(): string {
    return this.#value;
  }

  /** The mask, never the value. */
  toString(): string {
    return SECRET_MASK;
  }

  /** The mask, never the value: `JSON.stringify` cannot leak it. */
  toJSON(): string {
    return SECRET_MASK;
  }

  /** The mask, never the value: `console.log` and `util.inspect` cannot leak it. */
  [inspect.custom](): string {
    return `Secret(${SECRET_MASK})`;
  }

  /** Wraps a string in a `Secret`; a `Secret` is returned as it is. */
  static from(value: string | Secret): Secret {
    return value instanceof Secret ? value : new Secret(value);
  }
}

/** Whether a value is a `Secret`. */
export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}
