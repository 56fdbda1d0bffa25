import { describe, expect, it } from "vitest";
import { compileValidFlow } from "../../test-support/test-node-types.js";
import { renderGraph } from "./render-graph.js";

const flow = compileValidFlow({
  name: "customer-chat",
  inputs: {
    question: { type: "string" },
    audit: { type: "boolean", default: false },
  },
  nodes: [
    {
      id: "endpoint",
      type: "set",
      title: 'The "endpoint"',
      inputs: { name: "endpoint", value: "https://x" },
    },
    { id: "connection", type: "set", inputs: { name: "customerConnection", value: "${vars.endpoint}" } },
    {
      id: "answer",
      type: "call",
      connection: "shared-foundry",
      dynamicConnection: "${vars.customerConnection}",
      inputs: { prompt: "${vars.endpoint} | ${nodes.endpoint.output} | ${inputs.question}" },
    },
    { id: "audit", type: "set", when: "${inputs.audit}", dependsOn: ["answer"] },
    { id: "archive", type: "call", connection: "archive-store", inputs: {} },
  ],
  outputs: {
    answer: "${nodes.answer.output.source}",
    endpoint: "${vars.endpoint}",
    asked: "${inputs.question}",
    both: ["${nodes.answer.output}", "${nodes.archive.output}"],
  },
});

describe("renderGraph", () => {
  it("writes Mermaid with inputs, static connections, titles, types, when, labelled edges and outputs", () => {
    expect(renderGraph(flow, "mermaid")).toMatchInlineSnapshot(`
      "flowchart TD
        i0[/"<b>question</b><br/><i>string input</i>"/]
        i1[/"<b>audit</b><br/><i>boolean input, optional</i>"/]
        c0[("<b>shared-foundry</b><br/><i>static connection</i>")]
        c1[("<b>archive-store</b><br/><i>static connection</i>")]
        n0["The #quot;endpoint#quot;<br/><b>endpoint</b><br/><i>set</i>"]
        n1["<b>connection</b><br/><i>set</i>"]
        n2["<b>answer</b><br/><i>call</i>"]
        n3["<b>audit</b><br/><i>set</i><br/>when \${inputs.audit}"]
        n4["<b>archive</b><br/><i>call</i>"]
        o0[\\"<b>answer</b><br/><i>output</i>"\\]
        o1[\\"<b>endpoint</b><br/><i>output</i>"\\]
        o2[\\"<b>asked</b><br/><i>output</i>"\\]
        o3[\\"<b>both</b><br/><i>output</i>"\\]
        i0 --> n2
        i1 -->|"when"| n3
        c0 -.->|"fallback"| n2
        c1 -->|"connection"| n4
        n0 -->|"vars.endpoint"| n1
        n0 -->|"vars.endpoint, output"| n2
        n1 -->|"connection: vars.customerConnection"| n2
        n2 -.->|"dependsOn"| n3
        n2 -->|"output.source"| o0
        n0 -->|"vars.endpoint"| o1
        i0 --> o2
        n2 -->|"output"| o3
        n4 -->|"output"| o3
      "
    `);
  });

  it("writes Graphviz DOT with quoted ids and labels, and the same inputs, connections and outputs", () => {
    expect(renderGraph(flow, "dot")).toMatchInlineSnapshot(`
      "digraph "customer-chat" {
        rankdir=TB;
        node [shape=box, fontname="sans-serif"];
        "input:question" [label="question\\nstring input", shape=parallelogram];
        "input:audit" [label="audit\\nboolean input, optional", shape=parallelogram];
        "connection:shared-foundry" [label="shared-foundry\\nstatic connection", shape=cylinder];
        "connection:archive-store" [label="archive-store\\nstatic connection", shape=cylinder];
        "endpoint" [label="The \\"endpoint\\"\\nendpoint (set)"];
        "connection" [label="connection (set)"];
        "answer" [label="answer (call)"];
        "audit" [label="audit (set)\\nwhen \${inputs.audit}"];
        "archive" [label="archive (call)"];
        "output:answer" [label="answer\\noutput", shape=parallelogram, peripheries=2];
        "output:endpoint" [label="endpoint\\noutput", shape=parallelogram, peripheries=2];
        "output:asked" [label="asked\\noutput", shape=parallelogram, peripheries=2];
        "output:both" [label="both\\noutput", shape=parallelogram, peripheries=2];
        "input:question" -> "answer";
        "input:audit" -> "audit" [label="when"];
        "connection:shared-foundry" -> "answer" [label="fallback", style=dashed];
        "connection:archive-store" -> "archive" [label="connection"];
        "endpoint" -> "connection" [label="vars.endpoint"];
        "endpoint" -> "answer" [label="vars.endpoint, output"];
        "connection" -> "answer" [label="connection: vars.customerConnection"];
        "answer" -> "audit" [label="dependsOn", style=dashed];
        "answer" -> "output:answer" [label="output.source"];
        "endpoint" -> "output:endpoint" [label="vars.endpoint"];
        "input:question" -> "output:asked";
        "answer" -> "output:both" [label="output"];
        "archive" -> "output:both" [label="output"];
      }
      "
    `);
  });

  it("defaults to Mermaid", () => {
    expect(renderGraph(flow)).toBe(renderGraph(flow, "mermaid"));
  });

  it("refuses an object that only looks like a compiled flow", () => {
    const lookalike = { ...flow };
    expect(() => renderGraph(lookalike)).toThrow(
      new TypeError("Expected a flow compiled by `engine.compile()`, got an object it did not make"),
    );
  });
});

describe("renderGraph with when comparisons", () => {
  const moderated = compileValidFlow({
    name: "moderated",
    inputs: { text: { type: "string" }, allowed: { type: "array" } },
    nodes: [
      { id: "moderate", type: "set", inputs: { value: { suggestedAction: "${inputs.text}" } } },
      {
        id: "chat",
        type: "set",
        when: { value: "${nodes.moderate.output.suggestedAction}", is: "Accept" },
      },
      {
        id: "refuse",
        type: "set",
        when: { value: "${nodes.moderate.output.suggestedAction}", not: "Accept" },
      },
      { id: "review", type: "set", when: { value: "${inputs.text}", in: ["a|b", "${inputs.allowed}"] } },
    ],
  });

  it("shows each comparison on its node, and the inputs it reads as when edges (Mermaid)", () => {
    expect(renderGraph(moderated, "mermaid")).toMatchInlineSnapshot(`
      "flowchart TD
        i0[/"<b>text</b><br/><i>string input</i>"/]
        i1[/"<b>allowed</b><br/><i>array input</i>"/]
        n0["<b>moderate</b><br/><i>set</i>"]
        n1["<b>chat</b><br/><i>set</i><br/>when \${nodes.moderate.output.suggestedAction} is #quot;Accept#quot;"]
        n2["<b>refuse</b><br/><i>set</i><br/>when \${nodes.moderate.output.suggestedAction} is not #quot;Accept#quot;"]
        n3["<b>review</b><br/><i>set</i><br/>when \${inputs.text} is one of [#quot;a#124;b#quot;, #quot;\${inputs.allowed}#quot;]"]
        i0 --> n0
        i0 -->|"when"| n3
        i1 -->|"when"| n3
        n0 -->|"output.suggestedAction"| n1
        n0 -->|"output.suggestedAction"| n2
      "
    `);
  });

  it("shows each comparison on its node (Graphviz)", () => {
    const dot = renderGraph(moderated, "dot");
    expect(dot).toContain(
      '"chat" [label="chat (set)\\nwhen ${nodes.moderate.output.suggestedAction} is \\"Accept\\""];',
    );
    expect(dot).toContain(
      '"review" [label="review (set)\\nwhen ${inputs.text} is one of [\\"a|b\\", \\"${inputs.allowed}\\"]"];',
    );
    expect(dot).toContain('"input:allowed" -> "review" [label="when"];');
  });
});
