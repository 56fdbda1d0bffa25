import { isThrottled } from "../connection-kind/connection-backoff.js";
import type { FlowError } from "../errors/flow-error.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import { RunNodeContext } from "./node-context.js";
import { checkOutput } from "./node-output.js";
import type { ExecutionRun } from "./node-run.js";
import { computeRetryDelay, isRetryable, resolveRetryPolicy, sleep } from "./retry.js";

/** Where a node's work ends: its checked output (`ok`), or why it failed. */
export type Settle = (node: CompiledNode, ok: boolean, value: unknown) => void;

/**
 * Runs a node's attempts: the first, synchronous when the node's `run` is, then one more after each
 * retryable failure while the retry policy (`retry.ts`) allows. `settle` gets the checked output
 * or the last failure — at once when the first attempt returned a value rather than a promise, and
 * one promise step after a promise resolves, so that a chain of async nodes pays no more than that.
 */
export function runAttempts(
  run: ExecutionRun,
  node: CompiledNode,
  input: unknown,
  signal: AbortSignal | undefined,
  settle: Settle,
): void {
  run.records.attempts[node.index] = 1;
  let pending: unknown;
  try {
    pending = node.nodeType.run(input, new RunNodeContext(run, node, signal, 1));
  } catch (error) {
    if (isRetryable(error)) settleLater(retry(run, node, input, signal, 1, error), node, settle);
    else settle(node, false, error);
    return;
  }
  if (!isPromiseLike(pending)) {
    settleChecked(run, node, pending, settle);
    return;
  }
  // A thenable that is not a promise could call back at once or twice: adopt it first.
  (pending instanceof Promise ? pending : Promise.resolve(pending)).then(
    (output) => settleChecked(run, node, output, settle),
    (error) => settleLater(retry(run, node, input, signal, 1, error), node, settle),
  );
}

function settleChecked(run: ExecutionRun, node: CompiledNode, output: unknown, settle: Settle): void {
  let checked: unknown;
  try {
    checked = checkOutput(node, output, run.connectionKinds);
  } catch (error) {
    settle(node, false, error);
    return;
  }
  settle(node, true, checked);
}

function settleLater(result: Promise<unknown>, node: CompiledNode, settle: Settle): void {
  result.then(
    (output) => settle(node, true, output),
    (error) => settle(node, false, error),
  );
}

/** Retries after attempt `failed` failed with `error`, while the policy allows and the error is retryable. */
async function retry(
  run: ExecutionRun,
  node: CompiledNode,
  input: unknown,
  signal: AbortSignal | undefined,
  failed: number,
  error: unknown,
): Promise<unknown> {
  const policy = resolveRetryPolicy(node.nodeType.retry, node.definition.retry);
  for (let attempt = failed; ; attempt++) {
    if (run.aborted) throw run.abortError ?? error;
    if (signal?.aborted) throw signal.reason ?? error;
    if (attempt >= policy.maxAttempts || !isRetryable(error)) throw error;
    const delayMs = computeRetryDelay(attempt, policy, (error as FlowError).retryAfterMs);
    run.reportRetry(node, attempt, delayMs, error);
    // In a batch, a row waiting out its connection's 429 gives its slot to another row meanwhile.
    const waits = isThrottled(error) ? run.waits : undefined;
    waits?.begin(node);
    try {
      await sleep(delayMs, signal ?? run.signal);
    } finally {
      waits?.end(node);
    }
    run.records.attempts[node.index] = attempt + 1;
    try {
      return checkOutput(
        node,
        await node.nodeType.run(input, new RunNodeContext(run, node, signal, attempt + 1)),
        run.connectionKinds,
      );
    } catch (next) {
      error = next;
    }
  }
}

/** Whether a node returned a promise (or any thenable) rather than its output. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
