import { z } from "zod";
import { checkWith } from "../check-with.js";
import type { ConnectionKinds } from "../connection-kind/connection-kinds.js";
import { connectionSchemaKind } from "../connection-kind/connection-schema.js";
import { FlowError } from "../errors/flow-error.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import { measureJsonLength } from "./bounded-json.js";

/**
 * The output if it matches the node type's output schema (when it has one); else a `node.output`
 * error. An output declared as a kind's `connectionSchema` is checked by the registered kind,
 * and the checked connection is the output: a node that then uses it as its `dynamicConnection`
 * does not check it again.
 */
export function checkOutput(node: CompiledNode, output: unknown, kinds: ConnectionKinds): unknown {
  const schema = node.nodeType.output;
  if (schema === undefined || acceptsAnything(schema)) return output;
  const kind = connectionSchemaKind(schema);
  if (kind !== undefined && kinds.get(kind.type) === kind) {
    const checked =
      (output as { type?: unknown } | null)?.type === kind.type
        ? kinds.check(output, { remember: false })
        : { problem: `expected a connection of type "${kind.type}"` };
    if (checked.problem === undefined) return checked.connection;
    throw invalidOutput(node, checked.problem);
  }
  const checked = checkWith(schema, output);
  if (checked.success) return output;
  throw invalidOutput(node, checked.error.message);
}

/** Whether each output schema seen may be anything: found once, as `instanceof` a zod class is not free. */
const anythingSchemas = new WeakMap<z.ZodType, boolean>();

/** An output that may be anything (`z.unknown()`, `z.any()`) has nothing to check. */
function acceptsAnything(schema: z.ZodType): boolean {
  let anything = anythingSchemas.get(schema);
  if (anything === undefined) {
    anything = schema instanceof z.ZodUnknown || schema instanceof z.ZodAny;
    anythingSchemas.set(schema, anything);
  }
  return anything;
}

function invalidOutput(node: CompiledNode, problem: string): FlowError {
  return new FlowError("node.output", `${node.nodeType.type} returned an invalid output: ${problem}`, {
    nodeId: node.id,
  });
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
