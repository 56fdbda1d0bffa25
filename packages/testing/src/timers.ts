/**
 * The server's pending waits, so that `close()` can cancel them all and leave no timer behind.
 */
export class Timers {
  readonly #pending = new Map<NodeJS.Timeout, (completed: boolean) => void>();

  /** Resolves `true` after `ms`, or `false` at once when the timers are cancelled first. */
  wait(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve(true);
      }, ms);
      this.#pending.set(timer, resolve);
    });
  }

  /** Cancels every pending wait; each resolves `false`. */
  cancelAll(): void {
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#pending.clear();
  }
}
