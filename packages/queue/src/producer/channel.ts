/** A queue of values for one reader: `push` from callbacks, `next` from the reader's loop. */
export class Channel<T> {
  readonly #ready: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #ended = false;
  #error: { error: unknown } | undefined;
  #rejectWaiting: ((error: unknown) => void) | undefined;

  /** Values waiting for the reader. */
  get length(): number {
    return this.#ready.length;
  }

  push(value: T): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      this.#rejectWaiting = undefined;
      waiting({ value, done: false });
    } else this.#ready.push(value);
  }

  /** No more values: the reader ends once it has taken those waiting (or gets `error`). */
  end(error?: { error: unknown }): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const waiting = this.#waiting;
    const reject = this.#rejectWaiting;
    this.#waiting = undefined;
    this.#rejectWaiting = undefined;
    if (!waiting) return;
    if (error) reject?.(error.error);
    else waiting({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.#ready.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.#ended) {
      return this.#error
        ? Promise.reject(this.#error.error)
        : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#rejectWaiting = reject;
    });
  }
}
