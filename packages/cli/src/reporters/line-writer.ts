/**
 * Writes whole lines (progress, warnings, the summary) and streamed text (tokens) to one stream
 * without sticking them together: a line never starts where streamed text left off, and streamed
 * text interrupted by a line starts again under its own header.
 */
export class LineWriter {
  readonly #write: (text: string) => void;
  /** Who streamed the text the current line holds; `undefined` when no streamed text is open. */
  #owner: string | undefined;
  #atLineStart = true;

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  /** Writes whole lines (text ending in a newline), ending first a line streamed text left open. */
  lines(text: string): void {
    this.end();
    this.#put(text);
  }

  /**
   * Appends streamed text for `owner`; when the open line is not `owner`'s (another stream, or
   * whole lines written since), starts a new line with `header` first.
   */
  append(owner: string, header: string, text: string): void {
    if (this.#owner !== owner) {
      this.end();
      this.#put(header);
      this.#owner = owner;
    }
    this.#put(text);
  }

  /** Ends the line streamed text left open, if any. */
  end(): void {
    if (this.#owner === undefined) return;
    if (!this.#atLineStart) this.#put("\n");
    this.#owner = undefined;
  }

  #put(text: string): void {
    if (text === "") return;
    this.#write(text);
    this.#atLineStart = text.endsWith("\n");
  }
}
