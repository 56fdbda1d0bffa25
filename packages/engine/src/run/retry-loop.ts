import type { FlowError } from "../errors.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import { RunNodeContext } from "./node-context.js";
import { checkOutput } from "./node-output.js";
import type { ExecutionRun } from "./node-run.js";
import { computeRetryDelay, isRetryable, resolveRetryPolicy, sleep } from "./retry.js";

/**
 * Runs a node's attempts: the first, synchronous when the node's `run` is, then one more after each
 * retryable failure while the retry policy (`retry.ts`) allows. Returns the checked output or a
 * promise of it; throws or rejects with the last failure.
 */
export function runAttempts(
  run: ExecutionRun,
  node: CompiledNode,
  input: unknown,
  signal: AbortSignal | undefined,
): unknown {
  run.records.attempts[node.index] = 1;
  let pending: unknown;
  try {
    pending = node.nodeType.run(input, new RunNodeContext(run, node, signal, 1));
  } catch (error) {
    if (!isRetryable(error)) throw error;
    return retry(run, node, input, signal, 1, error);
  }
  if (isPromiseLike(pending)) {
    return Promise.resolve(pending).then(
      (output) => checkOutput(node, output),
      (error) => retry(run, node, input, signal, 1, error),
    );
  }
  return checkOutput(node, pending);
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
    await sleep(delayMs, signal ?? run.signal);
    run.records.attempts[node.index] = attempt + 1;
    try {
      return checkOutput(
        node,
        await node.nodeType.run(input, new RunNodeContext(run, node, signal, attempt + 1)),
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
