import { FlowError } from "../errors/flow-error.js";
import type { CompiledFlow, CompiledNode } from "../graph/compile-flow.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RUN_TIMEOUT_MS } from "../limits.js";

/** The limits a run enforces, as the app set them (engine options, overridden by run options). */
export interface RunLimits {
  /** The app's `runTimeoutMs`, if it set one. */
  runTimeoutMs?: number;
  /** The app's `requestTimeoutMs`, if it set one. */
  requestTimeoutMs?: number;
  /** Most bytes a node reads from one service response. */
  maxResponseBytes: number;
  /** Most characters of a node's output as JSON. */
  maxOutputLength: number;
}

/** A deadline, and who set it: its error says how to change it. */
export interface Deadline {
  /** Milliseconds; `Infinity` for none. */
  ms: number;
  setBy: "default" | "app" | "flow";
}

/** `setTimeout` fires at once past this (about 24.8 days): longer deadlines are no deadline. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The shortest of the app's and the flow's values, so that a flow can shorten an app's deadline
 * but never lengthen it; the default applies when neither sets one.
 */
export function resolveDeadline(
  app: number | undefined,
  flow: number | undefined,
  fallback: number,
): Deadline {
  if (app === undefined && flow === undefined) return { ms: fallback, setBy: "default" };
  if (flow === undefined || (app !== undefined && app <= flow)) return { ms: app!, setBy: "app" };
  return { ms: flow, setBy: "flow" };
}

/** How long a run of `flow` may take, and who said so. */
export function resolveRunDeadline(limits: RunLimits, flow: CompiledFlow): Deadline {
  return resolveDeadline(limits.runTimeoutMs, flow.flow.timeoutMs, DEFAULT_RUN_TIMEOUT_MS);
}

/** How long one service request of `node` may take, and who said so. */
export function resolveRequestDeadline(limits: RunLimits, node: CompiledNode): Deadline {
  return resolveDeadline(
    limits.requestTimeoutMs,
    node.definition.requestTimeoutMs,
    DEFAULT_REQUEST_TIMEOUT_MS,
  );
}

/** Checks a deadline an app passes: a number above 0, `Infinity` for none. */
export function checkTimeout(name: string, value: number | undefined): number | undefined {
  if (value === undefined || value > 0) return value;
  throw new RangeError(`Expected \`${name}\` to be a number above 0 (Infinity for none), got ${value}`);
}

/** The `run.timeout` error of a run that passed its deadline. */
export function runTimeoutError(deadline: Deadline): FlowError {
  const how =
    deadline.setBy === "flow"
      ? `the flow's "timeoutMs"`
      : deadline.setBy === "app"
        ? "runTimeoutMs, set by the app running the flow"
        : `the default; a flow changes it with "timeoutMs" at its top, an app with the runTimeoutMs option`;
  return new FlowError("run.timeout", `the run did not finish within ${deadline.ms} ms (${how})`);
}

/** The `node.timeout` error of a service request that passed its deadline: retryable, as a timeout is. */
export function requestTimeoutError(node: CompiledNode, deadline: Deadline): FlowError {
  const how =
    deadline.setBy === "flow"
      ? `the node's "requestTimeoutMs"`
      : deadline.setBy === "app"
        ? "requestTimeoutMs, set by the app running the flow"
        : `the default; a node changes it with "requestTimeoutMs", an app with the requestTimeoutMs option`;
  return new FlowError(
    "node.timeout",
    `node "${node.id}": a service request did not finish within ${deadline.ms} ms (${how})`,
    { nodeId: node.id, retryable: true },
  );
}

/** Calls `callback` after `ms`, unless `ms` is too long to be a deadline at all. */
export function startTimer(ms: number, callback: () => void): ReturnType<typeof setTimeout> | undefined {
  return ms <= MAX_TIMER_MS ? setTimeout(callback, ms) : undefined;
}

/**
 * What a request's signal follows: a signal, or a run that aborts the controllers linked to it
 * without making a signal of its own (most runs never need one).
 */
export type AbortParent = AbortSignal | AbortLink;

/** A run's abort, which aborts each linked controller with it. */
export interface AbortLink {
  readonly signal: AbortSignal;
  link(controller: AbortController): void;
  unlink(controller: AbortController): void;
}

/**
 * Runs `task` with a signal that aborts when `parent` does or when `ms` pass. At the deadline the
 * returned promise rejects with `timeoutError()` even if `task` ignores its signal; a late result
 * is dropped. A `task` that declares no parameter is called without a signal, and none is made
 * for it (an `AbortController` costs a request that ignores it more than the rest of its run); its
 * deadline still holds. A request that should be aborted names its signal. `onFailure` sees the
 * error the returned promise rejects with, before it does (one promise less than a `catch`); it
 * must not throw.
 */
export function runWithDeadline<T>(
  parent: AbortParent,
  ms: number,
  timeoutError: () => FlowError,
  task: (signal: AbortSignal) => Promise<T>,
  onFailure?: (error: unknown) => void,
): Promise<T> {
  const takesSignal = task.length > 0;
  if (ms > MAX_TIMER_MS) {
    // No deadline: the task's own promise, a throw turned into a rejection that `onFailure` sees.
    const work = new Promise<T>((resolve) =>
      resolve(
        takesSignal
          ? task(parent instanceof AbortSignal ? parent : parent.signal)
          : (task as () => Promise<T>)(),
      ),
    );
    return onFailure
      ? work.catch((error: unknown) => {
          onFailure(error);
          throw error;
        })
      : work;
  }
  const link = parent instanceof AbortSignal ? undefined : parent;
  const parentSignal = parent instanceof AbortSignal ? parent : undefined;
  const controller = takesSignal ? new AbortController() : undefined;
  // Made only for a request that takes a signal: most never follow their parent's.
  const onAbort = controller ? () => controller.abort(parentSignal?.reason) : noop;
  if (controller) {
    if (link) link.link(controller);
    else if (parentSignal?.aborted) onAbort();
    else parentSignal?.addEventListener("abort", onAbort, { once: true });
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    // One settle for the task's end and the deadline, whichever comes first; the other is dropped.
    const settle = (ok: boolean, value: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (controller) {
        if (link) link.unlink(controller);
        else parentSignal?.removeEventListener("abort", onAbort);
      }
      if (ok) resolve(value as T);
      else {
        onFailure?.(value);
        reject(value);
      }
    };
    const timer = setTimeout(() => {
      const error = timeoutError();
      controller?.abort(error);
      settle(false, error);
    }, ms);
    let work: Promise<T>;
    try {
      work = controller ? task(controller.signal) : (task as () => Promise<T>)();
    } catch (error) {
      settle(false, error);
      return;
    }
    Promise.resolve(work).then(
      (value) => settle(true, value),
      (error) => settle(false, error),
    );
  });
}

function noop(): void {}
