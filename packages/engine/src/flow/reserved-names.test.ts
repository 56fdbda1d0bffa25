import { describe, expect, it } from "vitest";
import { compileTestFlow, setNodeType, testRegistry } from "../../test-support/test-node-types.js";
import { createEngine } from "../engine.js";
import { checkFlowSchema, parseFlowText } from "./load.js";
import { RESERVED_NAMES } from "./reserved-names.js";
import { type Flow, flowSchema } from "./schema.js";

const engine = createEngine({ nodeTypes: [setNodeType] });
const reserved = [...RESERVED_NAMES];

/** What a flow must leave alone: nothing added to, or put in front of, every object's prototype. */
function expectPrototypeUntouched() {
  const plain: Record<string, unknown> = {};
  expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  for (const name of ["isAdmin", "v", "w", "id", "type", "labels", "#isAdmin"]) {
    expect(plain[name]).toBeUndefined();
  }
}

describe("reserved names", () => {
  it("refuses __proto__ as a node id without touching Object.prototype (the polluting flow)", () => {
    const text = `{"nodes":[{"id":"__proto__","type":"set","inputs":{"name":"v","value":1}},
{"id":"isAdmin","type":"set","inputs":{"name":"w","value":"\${nodes.__proto__.output}"}}]}`;
    expect(engine.validate(text)).toEqual([
      {
        code: "flow.reserved-name",
        message:
          '"__proto__" is reserved and cannot be a node id: expected any name but "__proto__", "constructor", "prototype"',
        path: "nodes[0].id",
        nodeId: "__proto__",
        line: 1,
        column: 17,
      },
    ]);
    expectPrototypeUntouched();
    // Every later compile in the same process still works.
    const later = engine.compile({
      nodes: [{ id: "a", type: "set", inputs: { name: "isAdmin", value: 1 } }],
    });
    expect(later.nodes.map((node) => node.id)).toEqual(["a"]);
    expect(() => engine.run(text)).toThrow(expect.objectContaining({ code: "flow.invalid" }));
    expectPrototypeUntouched();
  });

  it.each(reserved)(
    "refuses %s as a node id, a variable, a flow input, an output and a node input",
    (name) => {
      const flow = {
        inputs: { [name]: { type: "string" } },
        nodes: [
          { id: name, type: "set" },
          { id: "writer", type: "set", inputs: { name } },
          { id: "keyed", type: "set", inputs: { [name]: 1 } },
        ],
        outputs: { [name]: "x" },
      };
      // As text too: JSON.parse keeps "__proto__" as a key, where an object literal would not.
      const text = JSON.stringify(flow).replaceAll('"__proto__"', `"${name}"`);
      for (const issues of [engine.validate(JSON.parse(text)), engine.validate(text)]) {
        // Text issues come in file order; compare as a set.
        const found = issues.map(({ code, path, nodeId }) => ({ code, path, nodeId }));
        expect(found.sort((a, b) => String(a.path).localeCompare(String(b.path)))).toEqual([
          { code: "flow.reserved-name", path: `inputs.${name}`, nodeId: undefined },
          { code: "flow.reserved-name", path: "nodes[0].id", nodeId: name },
          { code: "flow.reserved-name", path: `nodes[2].inputs.${name}`, nodeId: "keyed" },
          { code: "flow.reserved-name", path: `outputs.${name}`, nodeId: undefined },
        ]);
      }
      // The variable name is a node's literal input: compiling finds it (once the rest is fixed).
      const issues = engine.validate({ nodes: [{ id: "writer", type: "set", inputs: { name } }] });
      expect(issues).toEqual([
        expect.objectContaining({
          code: "flow.reserved-name",
          path: "nodes[0].inputs.name",
          nodeId: "writer",
          message: expect.stringContaining(`"${name}" is reserved and cannot be a variable name`),
        }),
      ]);
      expectPrototypeUntouched();
    },
  );

  it("gives a validation error, not an internal one, for __proto__ depending on constructor", () => {
    const text =
      '{"nodes":[{"id":"__proto__","type":"set","dependsOn":["constructor"]},{"id":"constructor","type":"set"}]}';
    const issues = engine.validate(text);
    expect(issues.map((issue) => [issue.code, issue.path])).toEqual([
      ["flow.reserved-name", "nodes[0].id"],
      ["flow.reserved-name", "nodes[1].id"],
    ]);
    expectPrototypeUntouched();
  });

  it("is checked by compileFlow too, for flows that skipped the loader", () => {
    const flow = flowSchema.parse({
      nodes: [
        { id: "constructor", type: "set", inputs: { name: "v", value: 1 } },
        {
          id: "b",
          type: "set",
          dependsOn: ["constructor"],
          inputs: { value: "${nodes.constructor.output}" },
        },
      ],
    }) as Flow;
    const { compiled, issues } = compileTestFlow(flow);
    expect(compiled).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ code: "flow.reserved-name", path: "nodes[0].id" })]);
    // Only the reserved name: the reference and dependsOn found their node, and no false cycle.
    expect(testRegistry.get("set")).toBe(setNodeType);
    expectPrototypeUntouched();
  });

  it("reports a reserved key before the schema could drop it silently", () => {
    // zod's records leave a "__proto__" key out of their output: the loader looks at the text first.
    const { flow, issues } = parseFlowText('{"nodes": [], "outputs": {"__proto__": {"polluted": true}}}');
    expect(flow).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({ code: "flow.reserved-name", path: "outputs.__proto__", line: 1, column: 40 }),
    ]);
    expect(checkFlowSchema(JSON.parse('{"nodes": [], "inputs": {"__proto__": {}}}')).issues).toEqual([
      expect.objectContaining({ code: "flow.reserved-name", path: "inputs.__proto__" }),
    ]);
    expectPrototypeUntouched();
  });
});
