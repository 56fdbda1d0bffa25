import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileTestFlow, setNodeType } from "../../test-support/test-node-types.js";
import { secretSchema } from "../connection-kind/define-connection-kind.js";
import { createEngine } from "../engine.js";
import type { FlowDefinition } from "../flow/schema.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { NodeTypeRegistry } from "../node-type/registry.js";
import { RUN_EVENT_NAMES } from "../run/events.js";
import { Secret } from "../secrets/secret.js";
import type { CompiledFlow } from "./compile-flow.js";
import { findSecretSources, secretFieldPaths, secretValuesAtStart } from "./secret-sources.js";

/** Like create-azure-ai-connection: a key that is a string or a Secret, made a secret when it runs. */
const connectNodeType = defineNodeType({
  type: "connect",
  description: "Turns its key into a secret.",
  input: z
    .object({
      apiKey: z.union([z.string().min(1), secretSchema]).describe("The key."),
      endpoint: z.string(),
      headers: z.record(z.string(), secretSchema).optional(),
      variable: z.string().optional(),
    })
    .strict(),
  writes: { input: "variable" },
  run: (input, context) => ({
    endpoint: input.endpoint,
    apiKey: context.secret(input.apiKey),
  }),
});

const registry = new NodeTypeRegistry([setNodeType, connectNodeType]);

function compile(definition: FlowDefinition): CompiledFlow {
  const { compiled, issues } = compileTestFlow(definition, registry);
  if (!compiled) throw new Error(JSON.stringify(issues));
  return compiled;
}

describe("secretFieldPaths", () => {
  it("finds the input fields whose schema accepts a Secret, inside unions, optionals and records", () => {
    expect(secretFieldPaths(connectNodeType)).toEqual([["apiKey"], ["headers", "*"]]);
    expect(secretFieldPaths(setNodeType)).toEqual([]);
  });
});

describe("findSecretSources", () => {
  it("follows references from secret fields through variables and node outputs to flow inputs", () => {
    const flow = compile({
      inputs: {
        key: { type: "string" },
        other: { type: "string" },
        endpoint: { type: "string" },
        settings: { type: "object" },
      },
      nodes: [
        { id: "copy", type: "set", inputs: { name: "copied", value: "${inputs.key}" } },
        { id: "wrap", type: "set", inputs: { value: { deep: ["${vars.copied}"] } } },
        {
          id: "conn",
          type: "connect",
          inputs: {
            apiKey: "${nodes.wrap.output.deep}",
            endpoint: "${inputs.endpoint}",
            headers: { "x-token": "${inputs.settings.token}", "x-literal": "literal-header-secret" },
          },
        },
        { id: "unrelated", type: "set", inputs: { name: "longVariableName", value: "${inputs.other}" } },
      ],
    });
    const sources = findSecretSources(flow);
    expect(sources.inputs.map((reference) => reference.source).sort()).toEqual([
      "${inputs.key}",
      "${inputs.settings.token}",
    ]);
    expect(sources.literals).toEqual(["literal-header-secret"]);
    expect(findSecretSources(flow)).toBe(sources);
  });

  it("takes literal keys and the literal values of variables, not variable names or text around references", () => {
    const flow = compile({
      inputs: { key: { type: "string" } },
      nodes: [
        { id: "declare", type: "set", inputs: { name: "declaredKeyVariable", value: "literal-key-in-flow" } },
        {
          id: "a",
          type: "connect",
          inputs: { apiKey: "${vars.declaredKeyVariable}", endpoint: "https://x" },
        },
        { id: "b", type: "connect", inputs: { apiKey: "Bearer ${inputs.key}", endpoint: "https://x" } },
        { id: "c", type: "connect", inputs: { apiKey: "another-literal-key", endpoint: "https://x" } },
      ],
    });
    const sources = findSecretSources(flow);
    expect([...sources.literals].sort()).toEqual(["another-literal-key", "literal-key-in-flow"]);
    expect(sources.inputs.map((reference) => reference.source)).toEqual(["${inputs.key}"]);
  });
});

describe("secretValuesAtStart", () => {
  it("reads the values of those inputs, defaults included, and the literals", () => {
    const flow = compile({
      inputs: { key: { type: "string", default: "default-key-value" }, settings: { type: "object" } },
      nodes: [
        {
          id: "conn",
          type: "connect",
          inputs: { apiKey: "${inputs.key}", endpoint: "x", headers: { a: "${inputs.settings.token}" } },
        },
      ],
    });
    expect(
      [
        ...secretValuesAtStart(
          flow,
          new Map<string, unknown>([
            ["key", "given-key-value"],
            ["settings", { token: "nested-token-value", region: "westeurope" }],
          ]),
        ),
      ].sort(),
    ).toEqual(["given-key-value", "nested-token-value"]);
  });
});

describe("a run", () => {
  it("scrubs a plain string input that becomes a key later from the events of nodes that end before", async () => {
    const key = "test-key-CANARY-late-2d3e4f";
    const engine = createEngine({ nodeTypes: [setNodeType, connectNodeType] });
    const flow: FlowDefinition = {
      inputs: { key: { type: "string" } },
      nodes: [
        { id: "early", type: "set", inputs: { name: "copy", value: "copy of ${inputs.key}" } },
        {
          id: "conn",
          type: "connect",
          dependsOn: ["early"],
          inputs: { apiKey: "${inputs.key}", endpoint: "https://example.com", variable: "conn" },
        },
      ],
      outputs: { copy: "${vars.copy}" },
    };
    const handle = engine.run(flow, { inputs: { key } });
    const events: unknown[] = [];
    for (const name of RUN_EVENT_NAMES) handle.on(name, (event: unknown) => events.push({ name, event }));
    const result = await handle;

    expect(result.status).toBe("succeeded");
    expect(result.outputs.copy).toBe("copy of ***");
    // Positive control: the early node ended before the key was made a secret.
    const ends = events.filter((entry) => (entry as { name: string }).name === "node:end");
    expect(ends.map((entry) => (entry as { event: { nodeId: string } }).event.nodeId)).toEqual([
      "early",
      "conn",
    ]);
    expect(JSON.stringify(events)).not.toContain(key);
    expect(JSON.stringify(result)).not.toContain(key);
    expect(JSON.stringify(events)).toContain("copy of ***");
    // The same flow with the key as a Secret needs nothing learned at the start.
    expect(secretValuesAtStart(engine.compile(flow), new Map([["key", new Secret(key)]]))).toEqual([]);
  });
});
