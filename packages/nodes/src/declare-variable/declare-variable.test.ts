import { createEngine, type FlowDefinition, SECRET_MASK } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { builtinNodeTypes } from "../index.js";

const engine = createEngine({ nodeTypes: builtinNodeTypes });

/** A flow whose one declare-variable node gets `value` (an input, so any value can be given) and `type`. */
function declare(type: string): FlowDefinition {
  return {
    inputs: { value: { type: "object" } },
    nodes: [
      { id: "v", type: "declare-variable", inputs: { name: "v", value: "${inputs.value.inner}", type } },
    ],
    outputs: { v: "${vars.v}" },
  };
}

async function run(type: string, value: unknown) {
  return engine.run(declare(type), { inputs: { value: { inner: value } } });
}

describe("declare-variable", () => {
  it("keeps a value of the declared type", async () => {
    for (const [type, value] of [
      ["string", "text"],
      ["number", 3],
      ["boolean", false],
      ["object", { a: 1 }],
      ["array", [1]],
    ] as const) {
      const result = await run(type, value);
      expect([type, result.status, result.outputs.v]).toEqual([type, "succeeded", value]);
    }
  });

  it("refuses a value of another type with the same words as a run input of that type", async () => {
    const cases = [
      ["string", 42, "expected a string, got 42"],
      ["number", "3", 'expected a number, got "3"'],
      ["boolean", "yes", 'expected true or false, got "yes"'],
      ["object", [1], "expected a JSON object, got an array"],
      ["array", {}, "expected a JSON array, got an object"],
      ["secret", 7, "expected a string for type secret, got 7"],
    ] as const;
    for (const [type, value, expected] of cases) {
      const result = await run(type, value);
      expect(result.nodes.v?.error).toEqual({
        code: "node.type",
        message: `variable "v": ${expected}`,
        nodeId: "v",
      });
    }
  });

  it("wraps a secret's value in a Secret, masked in results", async () => {
    const result = await engine.run(
      {
        inputs: { key: { type: "string" } },
        nodes: [
          {
            id: "v",
            type: "declare-variable",
            inputs: { name: "v", value: "${inputs.key}", type: "secret" },
          },
        ],
        outputs: { v: "${vars.v}" },
      },
      { inputs: { key: "key-CANARY-123" } },
    );
    expect(result.status).toBe("succeeded");
    expect(result.outputs.v).toBe(SECRET_MASK);
    expect(JSON.stringify(result)).not.toContain("key-CANARY-123");
  });
});
