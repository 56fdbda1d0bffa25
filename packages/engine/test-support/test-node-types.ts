import { z } from "zod";
import { type Flow, type FlowDefinition, flowSchema } from "../src/flow/schema.js";
import { type CompiledFlow, compileFlow } from "../src/graph/compile-flow.js";
import { defineNodeType } from "../src/node-type/define-node-type.js";
import { NodeTypeRegistry } from "../src/node-type/registry.js";

/** Returns its `value` input; writes it to the variable named by `name`, like declare-variable. */
export const setNodeType = defineNodeType({
  type: "set",
  description: "Returns its value and writes it to a variable.",
  input: z.object({ name: z.string().optional(), value: z.unknown().optional() }).strict(),
  writes: { input: "name" },
  run: (input) => input.value,
});

/** Needs a number, to test literal input checks. */
export const countNodeType = defineNodeType({
  type: "count",
  description: "Takes a count.",
  input: z.object({ count: z.number(), label: z.string().optional() }).strict(),
  run: (input) => input.count,
});

/** Uses a connection; reports which one the override rule chose. */
export const callNodeType = defineNodeType({
  type: "call",
  description: "Resolves its connection and reports where it came from.",
  input: z.object({ prompt: z.unknown().optional() }).strict(),
  usesConnection: true,
  async run(_input, context) {
    const resolved = await context.connection();
    return { source: resolved.source, name: resolved.name ?? null, type: resolved.connection.type };
  },
});

export const testRegistry = new NodeTypeRegistry([setNodeType, countNodeType, callNodeType]);

/** Schema-checks and compiles a flow with the test node types; returns the issues too. */
export function compileTestFlow(
  definition: FlowDefinition,
  registry: NodeTypeRegistry = testRegistry,
): ReturnType<typeof compileFlow> {
  return compileFlow(flowSchema.parse(definition) as Flow, registry);
}

/** Compiles a flow that must be valid. */
export function compileValidFlow(definition: FlowDefinition): CompiledFlow {
  const { compiled, issues } = compileTestFlow(definition);
  if (!compiled) throw new Error(`expected a valid flow, got:\n${JSON.stringify(issues, null, 2)}`);
  return compiled;
}
