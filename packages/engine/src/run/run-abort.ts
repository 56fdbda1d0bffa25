import { setMaxListeners } from "node:events";
import { FlowError } from "../errors/flow-error.js";
import { type Deadline, startTimer } from "./run-limits.js";

/**
 * How a run stops early — cancelled by its caller or the caller's signal, failed by a node, or
 * past its deadline — and the signal its nodes see. What stopping does to the nodes is the run's.
 */
export class RunAbort {
  /** Created on first use: most nodes never look at their signal. */
  #controller: AbortController | undefined;
  #error: FlowError | undefined;
  #detach: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Request controllers aborted with the run, without the run's signal being made for them. */
  // One request at a time is the common case: it needs no set.
  #linkedOne: AbortController | undefined;
  #linked: Set<AbortController> | undefined;

  /** Aborted when the run is cancelled or fails. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // Every running node (and each request it makes) listens to the run's signal: many
      // listeners are expected, not a leak, so Node must not warn about them on stderr.
      setMaxListeners(0, this.#controller.signal);
      if (this.#error) this.#controller.abort(this.#error);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#error !== undefined;
  }

  /** Why the run was aborted, once it was. */
  get error(): FlowError | undefined {
    return this.#error;
  }

  /** Aborts `controller` with the run (at once if the run was aborted already), until `unlink`. */
  link(controller: AbortController): void {
    if (this.#error) controller.abort(this.#error);
    else if (this.#linkedOne === undefined) this.#linkedOne = controller;
    else {
      this.#linked ??= new Set();
      this.#linked.add(controller);
    }
  }

  unlink(controller: AbortController): void {
    if (this.#linkedOne === controller) this.#linkedOne = undefined;
    else this.#linked?.delete(controller);
  }

  /** Calls `onAbort` when the caller's `signal` aborts, until the run ends. */
  follow(signal: AbortSignal, onAbort: () => void): void {
    signal.addEventListener("abort", onAbort, { once: true });
    // A signal shared by many runs must not keep a listener per finished run.
    this.#detach = () => signal.removeEventListener("abort", onAbort);
  }

  /** Calls `onTimeout` when the run's deadline passes, unless the run ends first. */
  startDeadline(deadline: Deadline, onTimeout: (deadline: Deadline) => void): void {
    this.#timer = startTimer(deadline.ms, () => onTimeout(deadline));
  }

  /** Aborts the run's signal with `reason`; `false` if the run was aborted already. */
  abort(reason: FlowError): boolean {
    if (this.#error) return false;
    this.#error = reason;
    this.#controller?.abort(reason);
    const one = this.#linkedOne;
    const linked = this.#linked;
    this.#linkedOne = undefined;
    this.#linked = undefined;
    one?.abort(reason);
    if (linked) for (const controller of linked) controller.abort(reason);
    return true;
  }

  /** The run ended: its deadline and its listener on the caller's signal go. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#detach?.();
  }
}

/** The `run.cancelled` error of a run cancelled with `reason`: a message, an error, or nothing useful. */
export function cancellationError(reason: unknown): FlowError {
  const message =
    typeof reason === "string" ? reason : reason instanceof Error ? reason.message : "the run was cancelled";
  return new FlowError("run.cancelled", message || "the run was cancelled");
}
