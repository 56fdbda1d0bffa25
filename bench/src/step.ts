/** Sees every step start and finish; the smoke test uses it to check order. */
export interface StepObserver {
  started(id: string): void;
  finished(id: string): void;
}

/**
 * The work every adapter's node does, so that all of them do the same: return at once for a
 * trivial node, or wait `delayMs` on a timer for a simulated model call. Trivial steps return
 * `undefined` instead of a resolved promise, so a library that can run them synchronously may.
 */
export class StepRunner {
  /** Steps started so far; checked after runs, because a library that drops nodes must not pass. */
  calls = 0;
  readonly #observer: StepObserver | undefined;

  constructor(observer?: StepObserver) {
    this.#observer = observer;
  }

  readonly run = (id: string, delayMs: number): Promise<void> | undefined => {
    this.calls++;
    const observer = this.#observer;
    observer?.started(id);
    if (delayMs <= 0) {
      observer?.finished(id);
      return undefined;
    }
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        observer?.finished(id);
        resolve();
      }, delayMs),
    );
  };

  /**
   * The work of a node of a promise workload: an async function, as most users write a node, that
   * receives its dependencies' outputs and resolves with an output of its own (how many it got).
   */
  readonly runAsync = async (id: string, delayMs: number, inputs: readonly unknown[]): Promise<number> => {
    this.calls++;
    const observer = this.#observer;
    observer?.started(id);
    if (delayMs > 0) await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
    observer?.finished(id);
    return inputs.length;
  };
}
