import { checkWith } from "../check-with.js";
import { FlowError } from "../errors/flow-error.js";
import { evaluateCompiled } from "../flow/compile-template.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type { ExecutionRun } from "./node-run.js";
import { runAttempts, type Settle } from "./retry-loop.js";

/**
 * Executes one node: resolves its inputs, runs its attempts, and holds it to its own `timeoutMs`
 * if it has one — a node that ignores its aborted signal still ends on time, and whatever it
 * returns later is dropped. `settle` gets the checked output or the failure, once.
 */
export function executeNode(run: ExecutionRun, node: CompiledNode, settle: Settle): void {
  const timeoutMs = node.definition.timeoutMs;
  if (timeoutMs === undefined) {
    execute(run, node, undefined, settle);
    return;
  }
  let ended = false;
  const settleOnce: Settle = (node, ok, value) => {
    if (ended) return;
    ended = true;
    settle(node, ok, value);
  };
  const signal = run.timeouts.start(node, timeoutMs, (error) => settleOnce(node, false, error));
  execute(run, node, signal, settleOnce);
}

function execute(
  run: ExecutionRun,
  node: CompiledNode,
  signal: AbortSignal | undefined,
  settle: Settle,
): void {
  let input: unknown;
  try {
    input = resolveInputs(run, node);
  } catch (error) {
    settle(node, false, error);
    return;
  }
  runAttempts(run, node, input, signal, settle);
}

/** The node's inputs with their references resolved, checked against its type's input schema. */
function resolveInputs(run: ExecutionRun, node: CompiledNode): unknown {
  const raw = evaluateCompiled(node.inputsCode, run.scope);
  const parsed = checkWith(node.nodeType.input, raw);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues
    .map((issue) => `${issue.path.length ? `inputs.${issue.path.join(".")}` : "inputs"}: ${issue.message}`)
    .join("; ");
  throw new FlowError("node.input", `invalid input for ${node.nodeType.type}: ${details}`, {
    nodeId: node.id,
  });
}
