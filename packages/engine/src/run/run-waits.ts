import type { CompiledNode } from "../graph/compile-flow.js";

/**
 * @internal The slot a batch gives one row's run. The run gives it back while it only waits on its
 * connections, so that a row of another connection can run meanwhile, and asks for it again
 * before it sends the next request.
 */
export interface RunSlot {
  /** Every running node of the run waits on a connection: the slot may go to another row. */
  release(): void;
  /**
   * The run has a request to send: `undefined` when it holds its slot again at once, else a
   * promise that resolves when it does, or rejects with the signal's reason.
   */
  acquire(signal: AbortSignal): Promise<void> | undefined;
}

/**
 * What a run in a batch counts of its waits: the requests waiting on their connection (a limiter
 * wait, see `LimitedRequest.onWait`) and the retry delays after a 429, per node. When every running
 * node waits, the run gives its slot back; a request it then sends first takes a slot again.
 *
 * A wait is looked at once the current turn of the event loop is over, not when it starts: a
 * request queued only behind another's admission (a few microtasks) never gives its slot away.
 */
export class RunWaits {
  readonly #slot: RunSlot;
  /** The run's scheduler: how many of its nodes are running. */
  readonly #nodes: { readonly running: number };
  /** Waits per node index, for the nodes that have any; made at the first wait. */
  #byNode: Map<number, number> | undefined;
  #holds = true;
  #checking = false;
  #resuming: Promise<void> | undefined;

  constructor(slot: RunSlot, nodes: { readonly running: number }) {
    this.#slot = slot;
    this.#nodes = nodes;
  }

  /** A request (or a retry delay) of `node` starts waiting. */
  begin(node: CompiledNode): void {
    this.#byNode ??= new Map();
    this.#byNode.set(node.index, (this.#byNode.get(node.index) ?? 0) + 1);
    if (this.#checking || !this.#holds) return;
    this.#checking = true;
    setImmediate(this.#deferredCheck);
  }

  /** That wait is over. */
  end(node: CompiledNode): void {
    const byNode = this.#byNode;
    if (!byNode) return;
    const left = (byNode.get(node.index) ?? 1) - 1;
    if (left > 0) byNode.set(node.index, left);
    else byNode.delete(node.index);
  }

  readonly #deferredCheck = (): void => {
    this.#checking = false;
    this.check();
  };

  /** Gives the slot back when every running node waits (after a node ended, or a wait began). */
  check(): void {
    const waiting = this.#byNode?.size ?? 0;
    if (!this.#holds || waiting === 0 || waiting < this.#nodes.running) return;
    this.#holds = false;
    this.#slot.release();
  }

  /**
   * Before a request is sent: `undefined` when the run holds its slot, else a promise that
   * resolves once it holds one again (or rejects when `signal` aborts first).
   */
  resume(signal: AbortSignal): Promise<void> | undefined {
    if (this.#holds) return undefined;
    if (!this.#resuming) {
      const acquired = this.#slot.acquire(signal);
      if (!acquired) {
        this.#holds = true;
        return undefined;
      }
      this.#resuming = acquired.then(
        () => {
          this.#holds = true;
          this.#resuming = undefined;
        },
        (error: unknown) => {
          this.#resuming = undefined;
          throw error;
        },
      );
    }
    return this.#resuming;
  }
}
