import { inspect } from "node:util";

/** What a secret prints as, everywhere. */
export const SECRET_MASK = "***";

/**
 * Marks every `Secret`, whichever copy of `@weft/engine` made it. A plug-in imports the installed
 * `@weft/engine` while the `weft` command carries its own copy: `instanceof` alone would take the
 * plug-in's secrets for plain objects (and refuse them as connection keys). `Symbol.for` gives both
 * copies the same symbol.
 */
const SECRET_BRAND: unique symbol = Symbol.for("weft.secret") as never;

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

  /** The brand, on the prototype: not an own property, so nothing prints or copies it. */
  get [SECRET_BRAND](): true {
    return true;
  }

  /** Wraps a string in a `Secret`; a `Secret` is returned as it is. */
  static from(value: string | Secret): Secret {
    return isSecret(value) ? value : new Secret(value);
  }

  /** `value instanceof Secret` holds for a `Secret` of any copy of `@weft/engine` (see `isSecret`). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isSecret(value);
  }
}

/** Whether a value is a `Secret`, made by this or any other copy of `@weft/engine`. */
export function isSecret(value: unknown): value is Secret {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as { [SECRET_BRAND]?: unknown })[SECRET_BRAND] === true &&
    typeof (value as { reveal?: unknown }).reveal === "function"
  );
}
