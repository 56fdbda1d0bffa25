/** What the scheduler asks of the run it drives. */
export interface SchedulerHooks {
  /**
   * A node whose dependencies have all ended: `true` queues it for a slot; `false` means it ended
   * without running (skipped or cancelled), and its ending released what depends on it.
   */
  admit(index: number): boolean;
  /** Starts a node that holds a slot; its work ends with `finished()`, possibly before this returns. */
  execute(index: number): void;
}

/**
 * A ready queue and a counter, in the spirit of p-graph's runner: a node is looked at the moment
 * its last dependency ends, and starts at once if a slot is free, or else waits for one, first in
 * first out. It decides nothing else: whether a node runs and what its ending means are the run's.
 * Nodes are numbered by their index in the compiled flow.
 */
export class Scheduler {
  readonly #nodes: ReadonlyArray<{ readonly dependents: readonly number[] }>;
  /** How many dependencies each node still waits for. */
  readonly #remaining: Int32Array;
  readonly #concurrency: number;
  readonly #hooks: SchedulerHooks;
  #running = 0;
  // A node becomes ready once and is admitted at most once: each queue grows to at most the
  // flow's length and is read from its head, never emptied.
  /** Nodes whose dependencies have ended, not yet looked at by the drain loop. */
  readonly #ready: number[] = [];
  #readyHead = 0;
  /** Admitted nodes waiting for a slot. */
  readonly #waiting: number[] = [];
  #waitingHead = 0;
  #draining = false;

  constructor(
    nodes: ReadonlyArray<{ readonly dependents: readonly number[] }>,
    dependencyCounts: Int32Array,
    concurrency: number,
    hooks: SchedulerHooks,
  ) {
    this.#nodes = nodes;
    this.#remaining = dependencyCounts.slice();
    this.#concurrency = concurrency;
    this.#hooks = hooks;
  }

  /** Looks at every node without dependencies; the rest follow as their dependencies end. */
  start(): void {
    const remaining = this.#remaining;
    for (let index = 0; index < remaining.length; index++) {
      if (remaining[index] === 0) this.#ready.push(index);
    }
    this.#pump();
  }

  /** A node has ended: counts down its dependents and looks at those it was the last one for. */
  release(index: number): void {
    const remaining = this.#remaining;
    for (const dependent of this.#nodes[index]!.dependents) {
      if (--remaining[dependent]! === 0) this.#ready.push(dependent);
    }
    this.#pump();
  }

  /** Nodes running now (started, their work not over). */
  get running(): number {
    return this.#running;
  }

  /** A running node's work is over: its slot is free. */
  finished(): void {
    this.#running--;
  }

  /** Starts nothing more: nodes waiting for a slot are dropped (the run ends them). */
  stop(): void {
    this.#waitingHead = this.#waiting.length;
  }

  #pump(): void {
    if (!this.#draining) this.#drain();
  }

  /**
   * Starts what can start, in a loop rather than by recursion: nodes that finish synchronously
   * (declaring a variable) end inside this loop, and a chain of thousands of them must not grow
   * the stack. Nodes waiting for a slot go first, then newly ready ones.
   */
  #drain(): void {
    this.#draining = true;
    try {
      for (;;) {
        if (this.#running < this.#concurrency && this.#waitingHead < this.#waiting.length) {
          this.#running++;
          this.#hooks.execute(this.#waiting[this.#waitingHead++]!);
        } else if (this.#readyHead < this.#ready.length) {
          const index = this.#ready[this.#readyHead++]!;
          if (this.#hooks.admit(index)) this.#waiting.push(index);
        } else {
          break;
        }
      }
    } finally {
      this.#draining = false;
    }
  }
}
