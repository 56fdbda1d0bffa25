import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine } from "../engine.js";
import { defineNodeType } from "../node-type/define-node-type.js";

const echo = defineNodeType({
  type: "echo",
  description: "Returns its value.",
  input: z.object({ value: z.unknown() }),
  run: (input) => input.value,
});
const mutate = defineNodeType({
  type: "mutate",
  description: "Tries to change its input.",
  // `z.unknown()` passes the literal through as it is, so the node sees the flow's own array.
  input: z.object({ value: z.unknown() }),
  run: (input) => {
    (input.value as number[]).push(4);
    return input.value;
  },
});

describe("flow literals and inputs", () => {
  it("reports a default that does not match the input's type before anything runs", () => {
    const engine = createEngine({ nodeTypes: [echo] });
    const issues = engine.validate({
      inputs: { count: { type: "number", default: "three" } },
      nodes: [{ id: "a", type: "echo", inputs: { value: "${inputs.count}" } }],
    });
    expect(issues).toEqual([
      expect.objectContaining({
        code: "flow.input-default",
        path: "inputs.count.default",
        message: 'default of input "count": expected a number (its type is number), got "three"',
      }),
    ]);
  });

  it("keeps an explicit null instead of falling back to the default", async () => {
    const engine = createEngine({ nodeTypes: [echo] });
    const flow = {
      inputs: { note: { type: "object" as const, default: { a: 1 } } },
      nodes: [{ id: "a", type: "echo", inputs: { value: "${inputs.note}" } }],
      outputs: { note: "${nodes.a.output}" },
    };
    const withDefault = await engine.run(flow);
    expect(withDefault.outputs.note).toEqual({ a: 1 });
    expect(() => engine.run(flow, { inputs: { note: null } })).toThrow(
      /input "note": expected a JSON object, got null/,
    );
  });

  it("does not let references read inherited properties", async () => {
    const engine = createEngine({ nodeTypes: [echo] });
    const result = await engine.run({
      nodes: [
        { id: "a", type: "echo", inputs: { value: { x: 1 } } },
        { id: "b", type: "echo", inputs: { value: "${nodes.a.output.constructor}" } },
      ],
      outputs: { b: "${nodes.b.output}", x: "${nodes.a.output.x}" },
    });
    expect(result.outputs).toEqual({ b: null, x: 1 });
  });

  it("stops a node from changing a literal input for later runs", async () => {
    const engine = createEngine({ nodeTypes: [mutate] });
    const flow = engine.compile({ nodes: [{ id: "a", type: "mutate", inputs: { value: [1, 2, 3] } }] });
    const first = await engine.run(flow);
    expect(first.nodes.a?.status).toBe("failed");
    expect(first.nodes.a?.error?.message).toMatch(/not extensible|read.only|frozen/i);
    const second = await engine.run(flow);
    expect(second.nodes.a?.error?.message).toEqual(first.nodes.a?.error?.message);
  });
});
