import { describe, expect, it } from "vitest";
import { compileValidFlow } from "../../test-support/test-node-types.js";
import { findSkipReason, type NodeState } from "./skip.js";

describe("findSkipReason", () => {
  const flow = compileValidFlow({
    nodes: [
      { id: "source", type: "set", inputs: { name: "v", value: 1 } },
      { id: "connection", type: "set", inputs: { name: "conn", value: null } },
      { id: "reads-output", type: "set", inputs: { value: "${nodes.source.output}" } },
      { id: "reads-variable", type: "set", inputs: { value: "${vars.v}" } },
      { id: "reads-in-when", type: "set", when: "${vars.v}" },
      { id: "orders-after", type: "set", dependsOn: ["source"] },
      { id: "uses-connection", type: "call", connection: "static", dynamicConnection: "${vars.conn}" },
    ],
  });
  const reasonFor = (id: string, sourceState: NodeState, connectionState: NodeState = "succeeded") => {
    const states: NodeState[] = flow.nodes.map(() => "pending");
    states[0] = sourceState;
    states[1] = connectionState;
    return findSkipReason(flow.byId.get(id)!, states, flow.nodes);
  };

  it("lets a node run when the nodes it reads succeeded", () => {
    for (const id of ["reads-output", "reads-variable", "reads-in-when", "orders-after", "uses-connection"]) {
      expect(reasonFor(id, "succeeded")).toBeUndefined();
    }
  });

  it("skips a node that reads the output or the variable of a skipped node", () => {
    expect(reasonFor("reads-output", "skipped")).toBe('"source" was skipped');
    expect(reasonFor("reads-variable", "skipped")).toBe('"source" was skipped');
    expect(reasonFor("reads-in-when", "skipped")).toBe('"source" was skipped');
  });

  it("skips a node that reads data of a failed node", () => {
    expect(reasonFor("reads-output", "failed")).toBe('"source" failed');
  });

  it("runs a node that only orders itself after a skipped or failed node (dependsOn)", () => {
    expect(reasonFor("orders-after", "skipped")).toBeUndefined();
    expect(reasonFor("orders-after", "failed")).toBeUndefined();
  });

  it("runs a node whose dynamic connection's writer was skipped: it falls back to the static one", () => {
    expect(reasonFor("uses-connection", "succeeded", "skipped")).toBeUndefined();
  });
});
