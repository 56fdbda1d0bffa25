import { FlowError } from "../errors/flow-error.js";
import type { CompiledNode } from "../graph/compile-flow.js";

/** The deadlines of running nodes that set `timeoutMs`, each with its own signal and timer. */
export class NodeTimeouts {
  /** Made at the first node with a timeout: most runs have none. */
  #running: Map<number, { controller: AbortController; timer: ReturnType<typeof setTimeout> }> | undefined;

  /**
   * Starts the clock of a node that has `timeoutMs` and returns the node's own signal: at the
   * deadline it aborts with `node.timeout`, and `onTimeout` gets that error.
   */
  start(node: CompiledNode, timeoutMs: number, onTimeout: (error: FlowError) => void): AbortSignal {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const error = new FlowError(
        "node.timeout",
        `node "${node.id}" timed out after ${timeoutMs} ms (timeoutMs)`,
        {
          nodeId: node.id,
        },
      );
      controller.abort(error);
      onTimeout(error);
    }, timeoutMs);
    this.#running ??= new Map();
    this.#running.set(node.index, { controller, timer });
    return controller.signal;
  }

  /** The node ended: its clock stops. */
  clear(index: number): void {
    const running = this.#running?.get(index);
    if (!running) return;
    clearTimeout(running.timer);
    this.#running!.delete(index);
  }

  /** The run was aborted: every clock stops, and every node with one gets an aborted signal. */
  abortAll(reason: FlowError): void {
    // A node that ignores its signal must not keep the process alive until its timeout.
    if (this.#running === undefined) return;
    for (const { controller, timer } of this.#running.values()) {
      clearTimeout(timer);
      controller.abort(reason);
    }
    this.#running.clear();
  }
}
