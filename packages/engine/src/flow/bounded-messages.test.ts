import { describe, expect, it } from "vitest";
import { callNodeType, setNodeType } from "../../test-support/test-node-types.js";
import { createEngine } from "../engine.js";
import { MAX_ECHOED_STRING_LENGTH, MAX_ISSUE_MESSAGE_LENGTH, MAX_LISTED_ISSUES } from "../limits.js";
import { FlowValidationError, type ValidationIssue } from "./issues.js";

const engine = createEngine({ nodeTypes: [setNodeType, callNodeType] });
const huge = "x".repeat(1_000_000);
const hugeId = "i".repeat(1_000_000);

/** Every issue fits in a line or two, and the whole list stays small whatever the flow. */
function expectBounded(issues: readonly ValidationIssue[]) {
  expect(issues.length).toBeLessThanOrEqual(MAX_LISTED_ISSUES + 1);
  for (const issue of issues) {
    expect(issue.message.length).toBeLessThanOrEqual(MAX_ISSUE_MESSAGE_LENGTH + 40);
    expect((issue.path ?? "").length).toBeLessThanOrEqual(MAX_ISSUE_MESSAGE_LENGTH + 40);
    expect((issue.nodeId ?? "").length).toBeLessThanOrEqual(MAX_ECHOED_STRING_LENGTH + 40);
  }
  expect(JSON.stringify(issues).length).toBeLessThan((MAX_LISTED_ISSUES + 1) * 1_200);
}

/** `count` nodes, each reading a node that does not exist. */
function unknownReferences(count: number) {
  return {
    nodes: Array.from({ length: count }, (_, index) => ({
      id: `node${index}`,
      type: "set",
      inputs: { value: `\${nodes.missing${index}.output}` },
    })),
  };
}

describe("bounded validation messages", () => {
  it.each([7_000, 10_000])("reports %i unknown references in a short report", (count) => {
    const flow = unknownReferences(count);
    const issues = engine.validate(JSON.stringify(flow));
    expectBounded(issues);
    expect(issues).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(issues[0]).toMatchObject({
      code: "flow.unknown-node",
      path: "nodes[0].inputs.value",
      message: `\${nodes.missing0.output} refers to an unknown node "missing0": expected one of the ${count} nodes (none is close to this name)`,
    });
    expect(issues.at(-1)).toEqual({
      code: "flow.more-issues",
      message: `${count - MAX_LISTED_ISSUES} more problems not listed (${count} in all; only the first ${MAX_LISTED_ISSUES} are listed)`,
    });
    // The error a run or compile throws carries the same short list.
    let error: unknown;
    try {
      engine.compile(flow);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlowValidationError);
    expect((error as Error).message.length).toBeLessThan((MAX_LISTED_ISSUES + 2) * 1_200);
  });

  it("suggests the closest few names, never all of them", () => {
    const flow = unknownReferences(5_000);
    flow.nodes[0]!.inputs.value = "${nodes.node4999x.output}";
    expect(engine.validate(flow)[0]!.message).toBe(
      '${nodes.node4999x.output} refers to an unknown node "node4999x": expected one of the 5000 nodes; did you mean "node4999", "node499", "node49"?',
    );
  });

  it("validates a 5 MB variable name read by a thousand nodes to short issues", () => {
    const name = "v".repeat(5 * 1024 * 1024);
    const nodes = [
      { id: "writer", type: "set", inputs: { name, value: 1 } },
      ...Array.from({ length: 1_000 }, (_, index) => ({
        id: `reader${index}`,
        type: "set",
        inputs: { value: "${vars.nope}" },
      })),
    ];
    const issues = engine.validate(JSON.stringify({ nodes }));
    expectBounded(issues);
    expect(issues[0]!.message).toBe(
      `\${vars.nope} reads a variable no node writes: expected one of ${"v".repeat(MAX_ECHOED_STRING_LENGTH)}… (${name.length} characters)`,
    );
    expect(issues.at(-1)!.code).toBe("flow.more-issues");
  });

  it("echoes long types, dependsOn names, connections and references as a prefix and a length", () => {
    const issues = engine.validate({
      nodes: [
        { id: "a", type: huge },
        { id: "b", type: "set", dependsOn: [huge] },
        { id: "c", type: "call", dynamicConnection: huge },
        { id: "d", type: "set", inputs: { value: `\${nodes.${huge}.output}` } },
        { id: "e", type: "set", inputs: { value: `\${vars.${huge}` } },
        { id: "f", type: "set", inputs: { value: `\${nodes.${huge}}` } },
        { id: "g", type: "set", inputs: { name: `bad ${huge}` } },
        { id: hugeId, type: "set" },
        { id: hugeId, type: "set" },
      ],
      outputs: { [huge]: `\${inputs.${huge}}` },
    });
    expectBounded(issues);
    const codes = issues.map((issue) => issue.code).sort();
    expect(codes).toEqual([
      "flow.duplicate-node-id",
      "flow.dynamic-connection",
      "flow.reference",
      "flow.reference",
      "flow.unknown-input",
      "flow.unknown-node",
      "flow.unknown-node",
      "flow.unknown-node-type",
      "flow.variable-name",
    ]);
    for (const issue of issues) expect(issue.message).toMatch(/…"? \(\d+ characters\)/);
    expect(issues.find((issue) => issue.code === "flow.unknown-node-type")!.message).toBe(
      `unknown node type "${"x".repeat(MAX_ECHOED_STRING_LENGTH)}…" (1000000 characters): expected one of call, set`,
    );
  });

  it("lists a few unknown fields, not a hundred thousand", () => {
    const node: Record<string, unknown> = { id: "a", type: "set" };
    for (let index = 0; index < 100_000; index++) node[`field${index}`] = index;
    const issues = engine.validate({ nodes: [node] });
    expectBounded(issues);
    expect(issues[0]!.message).toBe('unknown fields "field0", "field1", "field2" and 99997 more');
  });

  it("counts schema problems past the listed ones", () => {
    const nodes = Array.from({ length: 5_000 }, (_, index) => ({ id: `n${index}` }));
    const issues = engine.validate(JSON.stringify({ nodes }));
    expectBounded(issues);
    expect(issues.at(-1)).toMatchObject({
      code: "flow.more-issues",
      message: expect.stringContaining("5000 in all"),
    });
  });
});

describe("flow size limits", () => {
  it("refuses a flow text over the size limit, counted in UTF-8 bytes", () => {
    const small = createEngine({ nodeTypes: [setNodeType], limits: { maxFlowFileBytes: 1024 } });
    const flow = (title: string) => JSON.stringify({ nodes: [{ id: "a", type: "set", title }] });
    expect(small.validate(flow("é".repeat(400)))).toEqual([]);
    const text = flow("é".repeat(600));
    expect(small.validate(text)).toEqual([
      {
        code: "flow.too-large",
        message: `the flow is ${Buffer.byteLength(text)} bytes long: expected at most 1024 bytes (1 KiB)`,
      },
    ]);
    // The default is far larger.
    expect(engine.validate(text)).toEqual([]);
  });

  it("lets an app raise or lower the node limit, and refuses limits that are not whole numbers", () => {
    const flow = { nodes: Array.from({ length: 3 }, (_, index) => ({ id: `n${index}`, type: "set" })) };
    expect(createEngine({ nodeTypes: [setNodeType], limits: { maxFlowNodes: 3 } }).validate(flow)).toEqual(
      [],
    );
    expect(createEngine({ nodeTypes: [setNodeType], limits: { maxFlowNodes: 2 } }).validate(flow)).toEqual([
      { code: "flow.too-many-nodes", message: "the flow has 3 nodes: expected at most 2", path: "nodes" },
    ]);
    expect(() => createEngine({ nodeTypes: [], limits: { maxFlowNodes: 0 } })).toThrow(
      "Expected `limits.maxFlowNodes` to be a whole number from 1 and up, got 0",
    );
    expect(() => createEngine({ nodeTypes: [], limits: { maxFlowFileBytes: 1.5 } })).toThrow(RangeError);
  });
});
