/**
 * The server's pending waits, so that `close()` can cancel them all and leave no timer behind.
 */
export class Timers {
  readonly #pending = new Map<NodeJS.Timeout, (completed: boolean) => void>();

  /**
   * Resolves `true` after `ms`, or `false` as soon as `signal` aborts (the client went away) or the
   * timers are cancelled.
   */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (completed: boolean) => {
        clearTimeout(timer);
        this.#pending.delete(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(completed);
      };
      const onAbort = () => settle(false);
      const timer = setTimeout(() => settle(true), ms);
      this.#pending.set(timer, settle);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Cancels every pending wait; each resolves `false`. */
  cancelAll(): void {
    for (const settle of [...this.#pending.values()]) settle(false);
  }

  /** How many waits are pending. */
  get pendingCount(): number {
    return this.#pending.size;
  }
}
