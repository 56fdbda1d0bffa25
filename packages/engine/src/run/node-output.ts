import { FlowError } from "../errors/flow-error.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import { measureJsonLength } from "./bounded-json.js";

/** The output if it matches the node type's output schema (when it has one); else a `node.output` error. */
export function checkOutput(node: CompiledNode, output: unknown): unknown {
  if (!node.nodeType.output) return output;
  const checked = node.nodeType.output.safeParse(output);
  if (checked.success) return output;
  throw new FlowError(
    "node.output",
    `${node.nodeType.type} returned an invalid output: ${checked.error.message}`,
    {
      nodeId: node.id,
    },
  );
}

/** Outputs are read, copied into events and written as JSON: one too large fails its node. */
export function checkOutputLength(node: CompiledNode, output: unknown, max: number): void {
  if (measureJsonLength(output, max) <= max) return;
  throw new FlowError(
    "node.output-too-large",
    `node "${node.id}" returned an output of more than ${max} characters as JSON (maxOutputLength, an option of the app running the flow)`,
    { nodeId: node.id },
  );
}
