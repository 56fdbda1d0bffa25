import type { Redactor } from "./redactor.js";

/**
 * Scrubs secrets from text that arrives in pieces, such as streamed tokens. A secret cut across
 * two pieces is in neither of them, so the end of the text that could be the start of a secret
 * is held back until the next piece shows whether it is one (then it is masked whole) or the
 * stream ends. Joined, the pieces let out are the redacted text.
 */
export class StreamRedactor {
  readonly #redactor: Redactor;
  #held = "";

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /** Takes the next piece; returns what can be let out now (possibly the empty string). */
  push(piece: string): string {
    const text = this.#redactor.redactText(this.#held + piece);
    const held = this.#redactor.trailingSecretStart(text);
    this.#held = held === 0 ? "" : text.slice(text.length - held);
    return held === 0 ? text : text.slice(0, text.length - held);
  }

  /** The stream is over: returns what was held back. */
  end(): string {
    const rest = this.#held;
    this.#held = "";
    return rest;
  }
}
