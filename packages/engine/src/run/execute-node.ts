import { FlowError } from "../errors.js";
import { evaluateTemplate } from "../flow/references.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type { ExecutionRun } from "./node-run.js";
import { isPromiseLike, runAttempts } from "./retry-loop.js";

/**
 * Executes one node: resolves its inputs, runs its attempts, and holds it to its own `timeoutMs`
 * if it has one — a node that ignores its aborted signal still ends on time, and its late result
 * is dropped. `settle` gets the checked output or the failure, at once when the node's `run`
 * returned a value rather than a promise.
 */
export function executeNode(
  run: ExecutionRun,
  node: CompiledNode,
  settle: (node: CompiledNode, ok: boolean, value: unknown) => void,
): void {
  const timeoutMs = node.definition.timeoutMs;
  const timeout = timeoutMs === undefined ? undefined : run.timeouts.start(node, timeoutMs);
  let result: unknown;
  try {
    result = runAttempts(run, node, resolveInputs(run, node), timeout?.signal);
  } catch (error) {
    settle(node, false, error);
    return;
  }
  if (!isPromiseLike(result)) {
    settle(node, true, result);
    return;
  }
  if (timeout) {
    Promise.resolve(result).catch(() => {});
    result = Promise.race([result, timeout.expired]);
  }
  (result as PromiseLike<unknown>).then(
    (output) => settle(node, true, output),
    (error) => settle(node, false, error),
  );
}

/** The node's inputs with their references resolved, checked against its type's input schema. */
function resolveInputs(run: ExecutionRun, node: CompiledNode): unknown {
  const raw = evaluateTemplate(node.inputs, run.scope);
  const parsed = node.nodeType.input.safeParse(raw);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues
    .map((issue) => `${issue.path.length ? `inputs.${issue.path.join(".")}` : "inputs"}: ${issue.message}`)
    .join("; ");
  throw new FlowError("node.input", `invalid input for ${node.nodeType.type}: ${details}`, {
    nodeId: node.id,
  });
}
