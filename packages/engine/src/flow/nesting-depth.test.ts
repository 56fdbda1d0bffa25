import { describe, expect, it } from "vitest";
import { setNodeType } from "../../test-support/test-node-types.js";
import { createEngine } from "../engine.js";
import { MAX_FLOW_DEPTH } from "../limits.js";
import { findTooDeepInText, findTooDeepInValue } from "./nesting-depth.js";

const engine = createEngine({ nodeTypes: [setNodeType] });

const PREFIX = '{"nodes":[{"id":"a","type":"set","inputs":{"name":"v","value":';

/** The issue's flow: one node whose value is `levels` arrays inside each other. */
function nestedFlowText(levels: number): string {
  return `${PREFIX}${"[".repeat(levels)}${"]".repeat(levels)}}}]}`;
}

/**
 * The root object, `nodes`, the node and its `inputs` are 4 levels: the value's arrays start at 5,
 * and the first one past the limit is the value's array number `MAX_FLOW_DEPTH - 3`.
 */
const firstTooDeep = MAX_FLOW_DEPTH - 4;
const tooDeepPath = `nodes[0].inputs.value${"[0]".repeat(firstTooDeep)}`;

describe("nesting depth", () => {
  it.each([2_000, 3_000, 100_000])("refuses %i levels with a validation error and its path", (levels) => {
    const text = nestedFlowText(levels);
    const expected = {
      code: "flow.too-deep",
      message: `arrays and objects nested too deeply: expected at most ${MAX_FLOW_DEPTH} levels`,
      path: tooDeepPath,
    };
    expect(engine.validate(text)).toEqual([
      { ...expected, line: 1, column: PREFIX.length + 1 + firstTooDeep },
    ]);
    expect(engine.validate(JSON.parse(text))).toEqual([expected]);
    expect(() => engine.compile(text)).toThrow(expect.objectContaining({ code: "flow.invalid" }));
  });

  it("refuses deep objects and deep unclosed text too", () => {
    let value: unknown = 1;
    for (let level = 0; level < 5_000; level++) value = { next: value };
    const issues = engine.validate({ nodes: [{ id: "a", type: "set", inputs: { value } }] });
    expect(issues).toMatchObject([
      { code: "flow.too-deep", path: `nodes[0].inputs.value${".next".repeat(firstTooDeep)}` },
    ]);
    // Malformed as well as deep: the depth is found before any parser runs.
    expect(engine.validate(`{"nodes": [${"[".repeat(100_000)}`)).toMatchObject([{ code: "flow.too-deep" }]);
  });

  it("reports a flow object that contains itself as too deep, instead of walking it forever", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(engine.validate({ nodes: [{ id: "a", type: "set", inputs: { value: loop } }] })).toMatchObject([
      { code: "flow.too-deep" },
    ]);
  });

  it("runs a flow at the limit: templates, interpolation and results stay within the stack", async () => {
    const levels = MAX_FLOW_DEPTH - 4;
    const text = nestedFlowText(levels).replace(
      "]}}]}",
      ']}},{"id":"wrap","type":"set","inputs":{"value":{"deep":"${nodes.a.output}","text":"v=${vars.v}"}}}]}',
    );
    expect(engine.validate(text)).toEqual([]);
    expect(engine.validate(nestedFlowText(levels + 1))).toMatchObject([{ code: "flow.too-deep" }]);
    const result = await engine.run(text);
    expect(result.status).toBe("succeeded");
    const wrapped = result.nodes.wrap!.output as { deep: unknown; text: string };
    expect(wrapped.text).toBe(`v=${"[".repeat(levels)}${"]".repeat(levels)}`);
    expect(`v=${JSON.stringify(wrapped.deep)}`).toBe(wrapped.text);
    expect(JSON.parse(JSON.stringify(result)).status).toBe("succeeded");
  });

  it("ends a run with clear results when nodes build values far deeper than the limit", async () => {
    // Each node wraps the previous output in 60 arrays: 500 nodes make 30,000 levels at run time.
    const wrap = (inner: string) => `${"[".repeat(60)}"${inner}"${"]".repeat(60)}`;
    const nodes = [{ id: "n0", type: "set", inputs: { value: 0 } }];
    for (let index = 1; index < 500; index++) {
      nodes.push({
        id: `n${index}`,
        type: "set",
        inputs: { value: JSON.parse(wrap(`\${nodes.n${index - 1}.output}`)) },
      });
    }
    nodes.push({ id: "text", type: "set", inputs: { value: "deep: ${nodes.n499.output}" as never } });
    const result = await engine.run({ nodes, outputs: { deep: "${nodes.n499.output}" } });
    expect(result.nodes.n499!.status).toBe("succeeded");
    // Text cannot be made of it: that node fails with a clear error, not a stack overflow.
    expect(result.nodes.text!.error).toEqual({
      code: "node.input",
      message:
        "a value in an interpolated string is nested too deeply to write as text: reference a part of it instead",
      nodeId: "text",
    });
    // What leaves the run is cut where it is too deep to copy, so it always serialises.
    expect(JSON.stringify(result)).toContain("[too deep]");
  });

  it("finds the path of the first container past the limit, in text and in values", () => {
    const text = '{"a": [1, {"b": [[]], "c": {"d": [0, 1, [2]]}}]}';
    expect(findTooDeepInText(text, 5)).toEqual({ path: ["a", 1, "c", "d", 2], offset: text.indexOf("[2]") });
    expect(findTooDeepInValue(JSON.parse(text), 5)).toEqual({ path: ["a", 1, "c", "d", 2] });
    expect(findTooDeepInText(text, 6)).toBeUndefined();
    expect(findTooDeepInValue(JSON.parse(text), 6)).toBeUndefined();
    // Strings that look like brackets are not nesting.
    expect(findTooDeepInText(JSON.stringify({ s: "[[[[[[[[{{{{" }), 2)).toBeUndefined();
  });
});
