import { describe, expect, it } from "vitest";
import { parseFlowText } from "./load.js";

describe("parseFlowText", () => {
  it("reports a syntax error once, with its line and column", () => {
    const text = '{\n  "nodes": [\n    { "id": "a", "type": "t", }\n  ]\n}\n';
    expect(parseFlowText(text).issues).toEqual([
      {
        code: "flow.json",
        message: "malformed JSON: expected a property name in double quotes",
        line: 3,
        column: 31,
      },
    ]);
  });

  it.each([
    ["", "expected a value", 1, 1],
    ['{"nodes": [1 2]}', 'expected ","', 1, 14],
    ["{'nodes': []}", "unexpected character", 1, 2],
    ['{"nodes": []} extra', "unexpected character", 1, 15],
    ['{"nodes": [] // note\n}', "comments are not allowed in flow files", 1, 14],
  ])("reports %j as malformed", (text, message, line, column) => {
    expect(parseFlowText(text).issues).toEqual([
      { code: "flow.json", message: `malformed JSON: ${message}`, line, column },
    ]);
  });

  it("gives schema issues the position of the value they concern", () => {
    const text =
      '{\n  "nodes": [\n    {\n      "id": "a",\n      "type": "t",\n      "timeoutMs": "soon"\n    }\n  ]\n}';
    const { flow, issues } = parseFlowText(text);
    expect(flow).toBeUndefined();
    expect(issues).toMatchObject([
      { code: "flow.schema", path: "nodes[0].timeoutMs", nodeId: "a", line: 6, column: 20 },
    ]);
  });

  it("names unknown fields and missing required ones", () => {
    expect(parseFlowText('{"nodes": [],\n "steps": []}').issues).toEqual([
      { code: "flow.schema", message: 'unknown field "steps"', path: "steps", line: 2, column: 11 },
    ]);
    expect(parseFlowText('{"nodes": [{"id": "a", "type": "t", "timeout": 5}]}').issues).toEqual([
      {
        code: "flow.schema",
        message: 'unknown field "timeout"',
        path: "nodes[0].timeout",
        nodeId: "a",
        line: 1,
        column: 48,
      },
    ]);
    expect(parseFlowText('{"name": "x"}').issues).toMatchObject([
      { code: "flow.schema", path: "nodes", message: "missing required field: expected array" },
    ]);
  });

  it("accepts a three-line flow and applies defaults", () => {
    const { flow, issues } = parseFlowText('{\n  "nodes": [{ "id": "a", "type": "t" }]\n}');
    expect(issues).toEqual([]);
    expect(flow!.nodes[0]).toEqual({ id: "a", type: "t", inputs: {} });
  });
});
