import { describe, expect, it } from "vitest";
import { compileValidFlow } from "../node-type/test-node-types.test-helper.js";
import { renderGraph } from "./render-graph.js";

const flow = compileValidFlow({
  name: "customer-chat",
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
      inputs: { prompt: "${vars.endpoint} | ${nodes.endpoint.output}" },
    },
    { id: "audit", type: "set", dependsOn: ["answer"] },
  ],
});

describe("renderGraph", () => {
  it("writes Mermaid with titles, types, labelled edges and dotted dependsOn edges", () => {
    expect(renderGraph(flow, "mermaid")).toMatchInlineSnapshot(`
      "flowchart TD
        n0["The #quot;endpoint#quot;<br/><b>endpoint</b><br/><i>set</i>"]
        n1["<b>connection</b><br/><i>set</i>"]
        n2["<b>answer</b><br/><i>call</i>"]
        n3["<b>audit</b><br/><i>set</i>"]
        n0 -->|"vars.endpoint"| n1
        n0 -->|"vars.endpoint, output"| n2
        n1 -->|"connection: vars.customerConnection"| n2
        n2 -.->|"dependsOn"| n3
      "
    `);
  });

  it("writes Graphviz DOT with quoted ids and labels", () => {
    expect(renderGraph(flow, "dot")).toMatchInlineSnapshot(`
      "digraph "customer-chat" {
        rankdir=TB;
        node [shape=box, fontname="sans-serif"];
        "endpoint" [label="The \\"endpoint\\"\\nendpoint (set)"];
        "connection" [label="connection (set)"];
        "answer" [label="answer (call)"];
        "audit" [label="audit (set)"];
        "endpoint" -> "connection" [label="vars.endpoint"];
        "endpoint" -> "answer" [label="vars.endpoint, output"];
        "connection" -> "answer" [label="connection: vars.customerConnection"];
        "answer" -> "audit" [label="dependsOn"];
      }
      "
    `);
  });

  it("defaults to Mermaid", () => {
    expect(renderGraph(flow)).toBe(renderGraph(flow, "mermaid"));
  });
});
