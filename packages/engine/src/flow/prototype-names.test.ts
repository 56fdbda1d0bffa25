import { describe, expect, it } from "vitest";
import { z } from "zod";
import { testConnectionKinds } from "../../test-support/test-connection-kinds.js";
import { setNodeType } from "../../test-support/test-node-types.js";
import type { ConnectionProvider } from "../connection-kind/provider.js";
import { createEngine } from "../engine.js";
import { FlowError } from "../errors/flow-error.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";

/** Names every plain object inherits: in a flow they are names like any other. */
const inherited = [
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "__defineGetter__",
  "toLocaleString",
];

const engine = createEngine({ nodeTypes: [setNodeType] });

/** Nothing added to Object.prototype, to `Object` itself (what `{}.constructor` is) or to its methods. */
function expectPrototypeUntouched() {
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(Object.keys(Object)).toEqual([]);
  for (const name of inherited) {
    expect(Object.keys(Object.getOwnPropertyDescriptor(Object.prototype, name)!.value)).toEqual([]);
  }
}

describe("names Object.prototype has", () => {
  it.each([...inherited, "isAdmin"])(
    "runs a node, a variable, an input and an output named %s",
    async (name) => {
      const flow = {
        inputs: { [name]: { type: "number" as const } },
        // Edges into and out of the node: graphlib keyed by raw ids wrote them onto shared objects.
        nodes: [
          { id: "first", type: "set", inputs: { value: `\${inputs.${name}}` } },
          { id: "a", type: "set", dependsOn: [name] },
          { id: name, type: "set", dependsOn: ["first"], inputs: { name, value: "${nodes.first.output}" } },
          { id: "reader", type: "set", inputs: { value: [`\${vars.${name}}`, `\${nodes.${name}.output}`] } },
        ],
        outputs: { [name]: "${nodes.reader.output}" },
      };
      expect(engine.validate(flow)).toEqual([]);
      expect(engine.validate(JSON.stringify(flow))).toEqual([]);
      const result = await engine.run(JSON.stringify(flow), { inputs: { [name]: 7 } });
      expect(result.status).toBe("succeeded");
      expect(Object.keys(result.nodes)).toEqual(["first", "a", name, "reader"]);
      expect(Object.hasOwn(result.nodes, name)).toBe(true);
      expect(result.nodes[name]).toMatchObject({ status: "succeeded", output: 7 });
      expect(result.outputs).toEqual({ [name]: [7, 7] });
      expectPrototypeUntouched();
    },
  );

  it("sees no cycle where a node depends on toString or valueOf, or they depend on it", () => {
    for (const name of [...inherited, "constructor"]) {
      const forward = {
        nodes: [
          { id: "a", type: "set", dependsOn: [name] },
          { id: name, type: "set" },
        ],
      };
      const backward = {
        nodes: [
          { id: "a", type: "set" },
          { id: name, type: "set", dependsOn: ["a"] },
        ],
      };
      for (const flow of [forward, backward]) {
        const codes = engine.validate(flow).map((issue) => issue.code);
        // `constructor` is reserved: refused for that, never for a cycle.
        expect(codes).toEqual(name === "constructor" ? ["flow.reserved-name"] : []);
      }
    }
    const cycle = engine.validate({
      nodes: [
        { id: "toString", type: "set", dependsOn: ["valueOf"] },
        { id: "valueOf", type: "set", dependsOn: ["toString"] },
      ],
    });
    expect(cycle).toEqual([
      expect.objectContaining({
        code: "flow.cycle",
        message: 'cycle between nodes: "toString" → "valueOf" → "toString"',
      }),
    ]);
    expectPrototypeUntouched();
  });

  it("reports an unknown node toString as unknown, not as a function", () => {
    expect(
      engine.validate({ nodes: [{ id: "a", type: "set", inputs: { value: "${nodes.toString.output}" } }] }),
    ).toEqual([expect.objectContaining({ code: "flow.unknown-node", path: "nodes[0].inputs.value" })]);
    expect(
      engine.validate({ nodes: [{ id: "a", type: "set", inputs: { value: "${vars.hasOwnProperty}" } }] }),
    ).toEqual([expect.objectContaining({ code: "flow.unknown-variable" })]);
    expect(
      engine.validate({ nodes: [{ id: "a", type: "set", inputs: { value: "${inputs.valueOf}" } }] }),
    ).toEqual([expect.objectContaining({ code: "flow.unknown-input" })]);
  });

  it("refuses node input keys toString and hasOwnProperty when validating, like any unknown input", () => {
    for (const key of ["toString", "hasOwnProperty", "valueOf"]) {
      expect(engine.validate({ nodes: [{ id: "a", type: "set", inputs: { [key]: 1 } }] })).toEqual([
        {
          code: "flow.unknown-node-input",
          message: `unknown input "${key}" for node type "set": expected one of name, value`,
          path: `nodes[0].inputs.${key}`,
          nodeId: "a",
        },
      ]);
    }
  });

  it("refuses run inputs named constructor, toString or __proto__ exactly like any undeclared name", () => {
    const flow = { inputs: { question: { type: "string" as const } }, nodes: [] };
    const refusal = (given: Record<string, unknown>) => {
      try {
        engine.run(flow, { inputs: { question: "q", ...given } });
      } catch (error) {
        expect(error).toBeInstanceOf(FlowError);
        return (error as FlowError).message;
      }
      throw new Error("expected the run to be refused");
    };
    for (const name of ["nope", "constructor", "toString", "hasOwnProperty"]) {
      expect(refusal({ [name]: "1" })).toBe(`unknown input "${name}": expected one of question`);
    }
    // An own "__proto__" key, as JSON.parse (and an inputs file) makes it.
    expect(refusal(JSON.parse('{"__proto__": "1"}'))).toBe(
      'unknown input "__proto__": expected one of question',
    );
    expectPrototypeUntouched();
  });
});

describe('a literal "__proto__" key', () => {
  const text = `{
    "inputs": { "role": { "type": "string", "default": "admin" } },
    "nodes": [
      { "id": "literal", "type": "set", "inputs": { "value": { "__proto__": { "isAdmin": true }, "x": 1 } } },
      { "id": "templated", "type": "set", "inputs": { "value": { "__proto__": { "role": "\${inputs.role}" }, "y": "\${inputs.role}" } } },
      { "id": "text", "type": "set", "inputs": { "value": "got \${nodes.literal.output}" } },
      { "id": "read", "type": "set", "inputs": { "value": "\${nodes.literal.output.__proto__}" } }
    ]
  }`;

  it("stays an own data property, through literals, templates, interpolation and references", async () => {
    const result = await engine.run(text);
    expect(result.status).toBe("succeeded");
    const literal = result.nodes.literal!.output as Record<string, unknown>;
    expect(Object.getPrototypeOf(literal)).toBe(Object.prototype);
    expect(Object.keys(literal)).toEqual(["__proto__", "x"]);
    expect(Object.getOwnPropertyDescriptor(literal, "__proto__")?.value).toEqual({ isAdmin: true });
    expect(literal.isAdmin).toBeUndefined();

    const templated = result.nodes.templated!.output as Record<string, unknown>;
    expect(Object.getPrototypeOf(templated)).toBe(Object.prototype);
    expect(Object.keys(templated)).toEqual(["__proto__", "y"]);
    expect(Object.getOwnPropertyDescriptor(templated, "__proto__")?.value).toEqual({ role: "admin" });
    expect(templated.role).toBeUndefined();

    expect(result.nodes.text!.output).toBe('got {"__proto__":{"isAdmin":true},"x":1}');
    expect(result.nodes.read!.output).toEqual({ isAdmin: true });
    expect(JSON.stringify(result.nodes.literal!.output)).toBe('{"__proto__":{"isAdmin":true},"x":1}');
    expectPrototypeUntouched();
  });

  it("is kept in a compiled flow's frozen literal, for every run", async () => {
    const compiled = engine.compile(text);
    for (let run = 0; run < 2; run++) {
      const output = (await engine.run(compiled)).nodes.literal!.output as Record<string, unknown>;
      expect(Object.keys(output)).toEqual(["__proto__", "x"]);
      expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    }
  });
});

describe("usage by connection", () => {
  it("keeps a connection named __proto__ as a key of byConnection", async () => {
    const metered = defineNodeType({
      type: "metered",
      description: "Reports usage on its connection.",
      input: z.object({}).strict(),
      usesConnection: true,
      connectionKinds: testConnectionKinds,
      async run(_input, context) {
        const connection = await context.connection();
        connection.reportUsage({ promptTokens: 1, completionTokens: 2, totalTokens: 3 });
        return null;
      },
    });
    const anyName: ConnectionProvider = { get: () => ({ type: "openai", apiKey: new Secret("k") }) };
    const meteredEngine = createEngine({ nodeTypes: [metered], connections: anyName });
    const result = await meteredEngine.run({
      nodes: [
        { id: "a", type: "metered", connection: "__proto__" },
        { id: "b", type: "metered", connection: "__proto__" },
        { id: "c", type: "metered", connection: "toString" },
      ],
    });
    expect(result.status).toBe("succeeded");
    expect(Object.keys(result.usage.byConnection)).toEqual(["__proto__", "toString"]);
    expect(Object.getOwnPropertyDescriptor(result.usage.byConnection, "__proto__")?.value).toEqual({
      requests: 2,
      promptTokens: 2,
      completionTokens: 4,
      totalTokens: 6,
      reported: true,
      unreportedRequests: 0,
    });
    expectPrototypeUntouched();
  });
});
