import { describe, expect, it } from "vitest";
import { compileTestFlow, compileValidFlow } from "../../test-support/test-node-types.js";
import type { ValidationIssue } from "../flow/issues.js";
import type { FlowDefinition } from "../flow/schema.js";
import { idOfGraphKey } from "./build-graph.js";
import type { CompiledFlow } from "./compile-flow.js";

/** `from -> to: labels` for every edge, sorted, to compare graphs as text. */
function edgesOf(flow: CompiledFlow): string[] {
  return flow.graph
    .edges()
    .map(
      (edge) =>
        `${idOfGraphKey(edge.v)} -> ${idOfGraphKey(edge.w)}: ${(flow.graph.edge(edge) as { labels: string[] }).labels.join(", ")}`,
    )
    .sort();
}

function idsOf(flow: CompiledFlow, indices: readonly number[]): string[] {
  return indices.map((index) => flow.nodes[index]!.id).sort();
}

/** The issues of an invalid flow, without their messages. */
function issuesOf(definition: FlowDefinition): ValidationIssue[] {
  const { compiled, issues } = compileTestFlow(definition);
  expect(compiled).toBeUndefined();
  return issues;
}

describe("compileFlow: dependencies", () => {
  const flow = compileValidFlow({
    nodes: [
      { id: "a", type: "set", inputs: { name: "v", value: { x: 1 } } },
      { id: "b", type: "set", inputs: { value: "${nodes.a.output.x}" } },
      { id: "c", type: "set", inputs: { value: "got ${vars.v}" } },
      { id: "d", type: "set", dependsOn: ["c"] },
      { id: "e", type: "set", inputs: { name: "conn", value: null } },
      { id: "f", type: "call", connection: "shared", dynamicConnection: "${vars.conn}" },
      { id: "g", type: "set", when: "${nodes.b.output}" },
      { id: "h", type: "set", inputs: { value: ["${nodes.a.output}", { deep: "${vars.v}" }] } },
    ],
  });

  it("adds an edge for node references, variable reads (from the writer) and dependsOn, labelled", () => {
    expect(edgesOf(flow)).toEqual([
      "a -> b: output.x",
      "a -> c: vars.v",
      "a -> h: output, vars.v",
      "b -> g: output",
      "c -> d: dependsOn",
      "e -> f: connection: vars.conn",
    ]);
  });

  it("records which node writes each variable", () => {
    expect(Object.fromEntries(flow.variableWriters)).toEqual({ v: "a", conn: "e" });
    expect(flow.byId.get("a")!.writes).toBe("v");
    expect(flow.byId.get("b")!.writes).toBeUndefined();
  });

  it("counts data read through inputs and when as data dependencies", () => {
    expect(idsOf(flow, flow.byId.get("b")!.dataDependencies)).toEqual(["a"]);
    expect(idsOf(flow, flow.byId.get("c")!.dataDependencies)).toEqual(["a"]);
    expect(idsOf(flow, flow.byId.get("g")!.dataDependencies)).toEqual(["b"]);
    expect(idsOf(flow, flow.byId.get("h")!.dependencies)).toEqual(["a"]);
  });

  it("counts dependsOn and dynamicConnection as ordering only", () => {
    const d = flow.byId.get("d")!;
    expect(idsOf(flow, d.dependencies)).toEqual(["c"]);
    expect(d.dataDependencies).toEqual([]);
    const f = flow.byId.get("f")!;
    expect(idsOf(flow, f.dependencies)).toEqual(["e"]);
    expect(f.dataDependencies).toEqual([]);
    expect(f.dynamicConnection).toMatchObject({ scope: "vars", name: "conn" });
  });

  it("lists dependents, so a node's end can wake them", () => {
    expect(idsOf(flow, flow.byId.get("a")!.dependents)).toEqual(["b", "c", "h"]);
    expect(flow.byId.get("h")!.dependents).toEqual([]);
  });

  it("does not depend on the order nodes are listed in", () => {
    const reversed = compileValidFlow({
      nodes: [
        { id: "reader", type: "set", inputs: { value: "${vars.v}" } },
        { id: "writer", type: "set", inputs: { name: "v", value: 1 } },
      ],
    });
    expect(edgesOf(reversed)).toEqual(["writer -> reader: vars.v"]);
  });
});

describe("compileFlow: issues", () => {
  it("reports duplicate ids at the second one", () => {
    expect(
      issuesOf({
        nodes: [
          { id: "a", type: "set" },
          { id: "a", type: "set" },
        ],
      }),
    ).toEqual([
      {
        code: "flow.duplicate-node-id",
        message: 'duplicate node id "a": also used by nodes[0]',
        path: "nodes[1].id",
        nodeId: "a",
      },
    ]);
  });

  it("lists the known node types for an unknown one", () => {
    expect(issuesOf({ nodes: [{ id: "a", type: "chat" }] })).toEqual([
      {
        code: "flow.unknown-node-type",
        message: 'unknown node type "chat": expected one of call, count, set',
        path: "nodes[0].type",
        nodeId: "a",
      },
    ]);
  });

  it("rejects a variable with two writers, naming both", () => {
    const [issue] = issuesOf({
      nodes: [
        { id: "first", type: "set", inputs: { name: "v", value: 1 } },
        { id: "second", type: "set", inputs: { name: "v", value: 2 } },
      ],
    });
    expect(issue).toMatchObject({ code: "flow.variable-two-writers", path: "nodes[1].inputs.name" });
    expect(issue!.message).toContain('"first" and "second"');
  });

  it("rejects a variable name that is not a literal", () => {
    expect(
      issuesOf({
        inputs: { n: { type: "string" } },
        nodes: [{ id: "a", type: "set", inputs: { name: "${inputs.n}", value: 1 } }],
      }),
    ).toMatchObject([{ code: "flow.variable-name", path: "nodes[0].inputs.name" }]);
  });

  it("rejects reads of variables nobody writes and references to unknown nodes and inputs", () => {
    const issues = issuesOf({
      inputs: { known: { type: "string" } },
      nodes: [
        { id: "a", type: "set", inputs: { name: "v", value: "${vars.nobody}" } },
        { id: "b", type: "set", inputs: { value: "${nodes.ghost.output}" } },
        { id: "c", type: "set", inputs: { value: "${inputs.unknown}" } },
      ],
      outputs: { out: "${nodes.missing.output}" },
    });
    expect(issues.map(({ code, path }) => ({ code, path }))).toEqual([
      { code: "flow.unknown-variable", path: "nodes[0].inputs.value" },
      { code: "flow.unknown-node", path: "nodes[1].inputs.value" },
      { code: "flow.unknown-input", path: "nodes[2].inputs.value" },
      { code: "flow.unknown-node", path: "outputs.out" },
    ]);
    expect(issues[0]!.message).toContain("expected one of v");
    expect(issues[1]!.message).toContain('unknown node "ghost": expected one of a, b, c');
    expect(issues[2]!.message).toContain("expected one of known");
  });

  it("points reference problems at the very string that holds the reference", () => {
    const issues = issuesOf({
      nodes: [
        {
          id: "a",
          type: "set",
          when: "${vars.nope}",
          inputs: { value: { messages: [{ content: "hi" }, { content: "Q: ${nodes.ghost.output}" }] } },
        },
      ],
      outputs: { nested: { list: ["fine", "${inputs.none}"] } },
    });
    expect(issues.map(({ code, path }) => `${code} ${path}`)).toEqual([
      "flow.unknown-node nodes[0].inputs.value.messages[1].content",
      "flow.unknown-variable nodes[0].when",
      "flow.unknown-input outputs.nested.list[1]",
    ]);
  });

  it("names the nodes of a cycle in edge order", () => {
    const issues = issuesOf({
      nodes: [
        { id: "a", type: "set", inputs: { value: "${nodes.c.output}" } },
        { id: "b", type: "set", inputs: { value: "${nodes.a.output}" } },
        { id: "c", type: "set", inputs: { value: "${nodes.b.output}" } },
        { id: "free", type: "set" },
      ],
    });
    expect(issues).toEqual([
      {
        code: "flow.cycle",
        message: 'cycle between nodes: "a" → "b" → "c" → "a"',
        path: "nodes[0]",
        nodeId: "a",
      },
    ]);
  });

  it("reports a node that depends on itself", () => {
    expect(issuesOf({ nodes: [{ id: "loop", type: "set", dependsOn: ["loop"] }] })).toEqual([
      { code: "flow.cycle", message: 'node "loop" depends on itself', path: "nodes[0]", nodeId: "loop" },
    ]);
  });

  it.each<[string, FlowDefinition["nodes"]]>([
    [
      "output references",
      [
        { id: "a", type: "set", inputs: { value: "${nodes.b.output}" } },
        { id: "b", type: "set", inputs: { value: "${nodes.a.output}" } },
      ],
    ],
    [
      "variables",
      [
        { id: "a", type: "set", inputs: { name: "x", value: "${vars.y}" } },
        { id: "b", type: "set", inputs: { name: "y", value: "${vars.x}" } },
      ],
    ],
    [
      "dependsOn",
      [
        { id: "a", type: "set", dependsOn: ["b"] },
        { id: "b", type: "set", dependsOn: ["a"] },
      ],
    ],
    [
      "a when condition and an output reference",
      [
        { id: "a", type: "set", when: "${nodes.b.output}" },
        { id: "b", type: "set", inputs: { value: "${nodes.a.output.x}" } },
      ],
    ],
    [
      "a dynamic connection and dependsOn",
      [
        { id: "a", type: "call", connection: "static", dynamicConnection: "${vars.conn}" },
        { id: "b", type: "set", inputs: { name: "conn" }, dependsOn: ["a"] },
      ],
    ],
    [
      "interpolated text",
      [
        { id: "a", type: "set", inputs: { value: { text: "b said ${nodes.b.output}" } } },
        { id: "b", type: "set", inputs: { value: ["a said ${nodes.a.output}"] } },
      ],
    ],
  ])("reports a cycle of two nodes through %s, once", (_, nodes) => {
    expect(issuesOf({ nodes: [...nodes, { id: "free", type: "set", dependsOn: ["b"] }] })).toEqual([
      {
        code: "flow.cycle",
        message: 'cycle between nodes: "a" → "b" → "a"',
        path: "nodes[0]",
        nodeId: "a",
      },
    ]);
  });

  it("reports two separate two-node cycles, each once", () => {
    const issues = issuesOf({
      nodes: [
        { id: "a", type: "set", dependsOn: ["b"] },
        { id: "b", type: "set", dependsOn: ["a"] },
        { id: "c", type: "set", inputs: { value: "${nodes.d.output}" } },
        { id: "d", type: "set", inputs: { value: "${nodes.c.output}" } },
      ],
    });
    expect(issues.map((issue) => issue.message)).toEqual([
      'cycle between nodes: "a" → "b" → "a"',
      'cycle between nodes: "c" → "d" → "c"',
    ]);
  });

  it("reports an unknown dependsOn entry at its position", () => {
    const issues = issuesOf({
      nodes: [
        { id: "a", type: "set", dependsOn: ["b", "ghost"] },
        { id: "b", type: "set" },
      ],
    });
    expect(issues).toMatchObject([{ code: "flow.unknown-node", path: "nodes[0].dependsOn[1]", nodeId: "a" }]);
    expect(issues[0]!.message).toBe('dependsOn names an unknown node "ghost": expected one of a, b');
  });

  it("checks literal inputs against the node type's schema", () => {
    expect(issuesOf({ nodes: [{ id: "a", type: "count", inputs: { count: "three" } }] })).toMatchObject([
      { code: "flow.invalid-input", path: "nodes[0].inputs.count", nodeId: "a" },
    ]);
  });

  it("checks the literal fields of inputs that also hold references", () => {
    const issues = issuesOf({
      inputs: { label: { type: "string" } },
      nodes: [
        { id: "a", type: "count", inputs: { label: "${inputs.label}", count: "three" } },
        { id: "b", type: "count", inputs: { label: "${inputs.label}" } },
      ],
    });
    expect(issues.map(({ code, path }) => ({ code, path }))).toEqual([
      { code: "flow.invalid-input", path: "nodes[0].inputs.count" },
      { code: "flow.missing-input", path: "nodes[1].inputs" },
    ]);
    expect(issues[1]!.message).toContain('"count"');
  });

  it("does not check inputs that are references: their values are known only at run time", () => {
    const { issues } = compileTestFlow({
      inputs: { n: { type: "string" } },
      nodes: [{ id: "a", type: "count", inputs: { count: "${inputs.n}" } }],
    });
    expect(issues).toEqual([]);
  });

  it("names the expected inputs for an unknown one", () => {
    // Reported once, as an unknown input, not again as a schema error of the whole inputs object.
    expect(issuesOf({ nodes: [{ id: "a", type: "count", inputs: { count: 1, colour: "red" } }] })).toEqual([
      {
        code: "flow.unknown-node-input",
        message: 'unknown input "colour" for node type "count": expected one of count, label',
        path: "nodes[0].inputs.colour",
        nodeId: "a",
      },
    ]);
  });

  it("requires a connection for node types that use one, and refuses one for those that do not", () => {
    const issues = issuesOf({
      nodes: [
        { id: "a", type: "call" },
        { id: "b", type: "set", connection: "shared" },
      ],
    });
    expect(issues.map(({ code, path }) => ({ code, path }))).toEqual([
      { code: "flow.connection-missing", path: "nodes[0]" },
      { code: "flow.connection-unused", path: "nodes[1].connection" },
    ]);
  });

  it("requires dynamicConnection to be exactly one reference", () => {
    const issues = issuesOf({
      nodes: [
        { id: "w", type: "set", inputs: { name: "conn", value: null } },
        { id: "a", type: "call", dynamicConnection: "conn: ${vars.conn}" },
        { id: "b", type: "call", dynamicConnection: "vars.conn" },
      ],
    });
    expect(issues.map(({ code, path }) => ({ code, path }))).toEqual([
      { code: "flow.dynamic-connection", path: "nodes[1].dynamicConnection" },
      { code: "flow.dynamic-connection", path: "nodes[2].dynamicConnection" },
    ]);
  });

  it("reports reference syntax errors with the JSON path of the string", () => {
    expect(
      issuesOf({ nodes: [{ id: "a", type: "set", inputs: { value: { list: ["ok", "${foo.x}"] } } }] }),
    ).toMatchObject([{ code: "flow.reference", path: "nodes[0].inputs.value.list[1]", nodeId: "a" }]);
  });

  it("reports every problem at once", () => {
    const codes = issuesOf({
      nodes: [
        { id: "a", type: "nope" },
        { id: "a", type: "set", inputs: { value: "${vars.x}" } },
        { id: "c", type: "count", inputs: { count: false } },
      ],
    }).map((issue) => issue.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        "flow.duplicate-node-id",
        "flow.unknown-node-type",
        "flow.unknown-variable",
        "flow.invalid-input",
      ]),
    );
  });
});
