import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine } from "../engine.js";
import { MAX_FLOW_NODES } from "../limits.js";
import { defineNodeType } from "../node-type/define-node-type.js";

const increment = defineNodeType({
  type: "increment",
  description: "Adds one, synchronously.",
  input: z.object({ value: z.number() }),
  run: (input) => input.value + 1,
});
const incrementLater = defineNodeType({
  type: "increment-later",
  description: "Adds one, asynchronously.",
  input: z.object({ value: z.number() }),
  run: async (input) => input.value + 1,
});

/** A chain where each node reads the previous node's output. */
function chain(type: string, length: number) {
  const nodes = [{ id: "n0", type, inputs: { value: 0 } }];
  for (let index = 1; index < length; index++) {
    nodes.push({ id: `n${index}`, type, inputs: { value: `\${nodes.n${index - 1}.output}` as never } });
  }
  return { nodes, outputs: { last: `\${nodes.n${length - 1}.output}` } };
}

/** Past the default node limit: these tests raise it, as an app may. */
const limits = { maxFlowNodes: 20_000 };

describe("long chains", () => {
  // Validation (cycle search) and scheduling must not recurse once per node.
  it.each(["increment", "increment-later"])("validates and runs a chain of 20,000 %s nodes", async (type) => {
    const engine = createEngine({ nodeTypes: [increment, incrementLater], limits });
    const result = await engine.run(chain(type, 20_000));
    expect(result.status).toBe("succeeded");
    expect(result.outputs.last).toBe(20_000);
  });

  it("accepts MAX_FLOW_NODES nodes by default, and refuses one more", () => {
    const engine = createEngine({ nodeTypes: [increment] });
    expect(engine.validate(chain("increment", MAX_FLOW_NODES))).toEqual([]);
    expect(engine.validate(chain("increment", MAX_FLOW_NODES + 1))).toEqual([
      {
        code: "flow.too-many-nodes",
        message: `the flow has ${MAX_FLOW_NODES + 1} nodes: expected at most ${MAX_FLOW_NODES}`,
        path: "nodes",
      },
    ]);
  });

  it("names the nodes of a cycle closing a 20,000-node chain", () => {
    const engine = createEngine({ nodeTypes: [increment], limits });
    const flow = chain("increment", 20_000);
    flow.nodes[0] = { id: "n0", type: "increment", inputs: { value: "${nodes.n19999.output}" as never } };
    const issues = engine.validate(flow);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "flow.cycle" });
    expect(issues[0]!.message).toBe(
      'cycle between nodes: "n0" → "n1" → "n2" → "n3" → "n4" → … 19991 more … → "n19996" → "n19997" → "n19998" → "n19999" → "n0"',
    );
  });
});
