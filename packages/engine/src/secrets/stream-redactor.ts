import { MIN_SCRUBBED_LENGTH, type Redactor } from "./redactor.js";
import { SECRET_MASK } from "./secret.js";

/**
 * Scrubs secrets from text that arrives in pieces, such as streamed tokens. A secret cut across
 * two pieces is in neither of them, so the end of the text that could be the start of a secret
 * (as written or encoded) is held back until the next piece shows whether it is one (then it is
 * masked whole) or the stream ends. Joined, the pieces let out are the redacted text.
 */
export class StreamRedactor {
  readonly #redactor: Redactor;
  #held = "";

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /** Takes the next piece; returns what can be let out now (possibly the empty string). */
  push(piece: string): string {
    const text = this.#redactor.redactPiece(this.#held + piece);
    const held = this.#redactor.trailingSecretStart(text);
    this.#held = held === 0 ? "" : text.slice(text.length - held);
    return held === 0 ? text : text.slice(0, text.length - held);
  }

  /**
   * The stream is over: returns what was held back. A stream that ended in the middle of a key
   * must not let that part of the key out, so what is held back is masked when it is long enough
   * to matter (`MIN_SCRUBBED_LENGTH`, the length below which text is never scrubbed); shorter, it
   * is let out, since an answer often ends in a few characters a key also starts with. A stream
   * that was `interrupted` (its attempt failed or was cancelled) masks whatever it holds back.
   */
  end(options: { interrupted?: boolean } = {}): string {
    const rest = this.#held;
    this.#held = "";
    if (rest === "") return rest;
    return options.interrupted || rest.length >= MIN_SCRUBBED_LENGTH ? SECRET_MASK : rest;
  }
}
