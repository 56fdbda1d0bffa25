import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "./support/cli.js";

/**
 * `weft schema` as an editor uses it: a JSON Schema validator checks flows against it. Each node
 * type's `inputs` are checked by that type's own schema (plug-ins' too); a reference may stand for
 * any value.
 */
async function schemaOf(args: string[] = []) {
  const { code, stdout, stderr } = await runCli(["schema", ...args]);
  expect(code, stderr).toBe(0);
  return new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(stdout));
}

const chat = (inputs: Record<string, unknown>) => ({
  nodes: [{ id: "answer", type: "chat-completion", connection: "llm", inputs }],
});

describe("weft schema checks inputs per node type", () => {
  it("accepts every example flow of the built-in nodes, and refuses an unknown chat-completion input", async () => {
    const validate = await schemaOf();
    for (const name of ["variables", "dynamic-connection", "two-customers", "multi-step", "streaming"]) {
      const flow = JSON.parse(readFileSync(join(ROOT, "examples", name, `${name}.flow.json`), "utf8"));
      expect(validate(flow), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate(chat({ model: "gpt-4o-mini", prompt: "Hi" }))).toBe(true);
    expect(validate(chat({ model: "gpt-4o-mini", prompt: "Hi", temprature: 0.2 }))).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        instancePath: "/nodes/0/inputs",
        keyword: "additionalProperties",
        params: { additionalProperty: "temprature" },
      }),
    );
  });

  it("lets a reference stand for a value of any type, and checks literal values", async () => {
    const validate = await schemaOf();
    expect(
      validate(chat({ prompt: "Hi", temperature: "${inputs.temperature}", stream: "${vars.stream}" })),
    ).toBe(true);
    expect(validate(chat({ prompt: "Hi", temperature: 3 }))).toBe(false);
    expect(validate(chat({ prompt: "Hi", temperature: "warm" }))).toBe(false);
    expect(validate(chat({ messages: [{ role: "robot", content: "x" }] }))).toBe(false);
    expect(validate(chat({ messages: [{ role: "${inputs.role}", content: "x" }] }))).toBe(true);
  });

  it("completes and checks the embeddings node's inputs", async () => {
    const validate = await schemaOf();
    const embed = (inputs: Record<string, unknown>) => ({
      nodes: [{ id: "embed", type: "embeddings", connection: "llm", inputs }],
    });
    expect(validate(embed({ input: "one text", model: "text-embedding-3-small", dimensions: 256 }))).toBe(
      true,
    );
    expect(validate(embed({ input: ["a", "${inputs.second}"] }))).toBe(true);
    expect(validate(embed({ input: "${inputs.texts}", dimensions: "${inputs.dimensions}" }))).toBe(true);
    for (const inputs of [
      {},
      { input: "" },
      { input: [] },
      { input: ["ok", ""] },
      { input: "x", dimensions: 0 },
      { input: "x", dimensions: 1.5 },
      { input: "x", dimension: 3 },
    ]) {
      expect(validate(embed(inputs)), JSON.stringify(inputs)).toBe(false);
    }
  });

  it("leaves a node type it does not know to the engine (a plug-in the schema was made without)", async () => {
    const validate = await schemaOf();
    const flow = { nodes: [{ id: "ask", type: "analyze-text", inputs: { anything: 1 } }] };
    expect(validate(flow)).toBe(true);
  });

  it("includes a plug-in's node types: their inputs are checked too", async () => {
    const validate = await schemaOf(["--plugin", "./examples/plugin/json-service.mjs"]);
    const flow = JSON.parse(readFileSync(join(ROOT, "examples", "plugin", "plugin.flow.json"), "utf8"));
    expect(validate(flow), JSON.stringify(validate.errors)).toBe(true);
    const ask = (inputs: Record<string, unknown>) => ({
      nodes: [{ id: "ask", type: "analyze-text", inputs }],
    });
    expect(validate(ask({ text: "fine" }))).toBe(true);
    expect(validate(ask({ text: "fine", language: "en" }))).toBe(false);
    expect(validate(ask({}))).toBe(false);
    const connect = (maxConcurrency: unknown) => ({
      nodes: [
        {
          id: "c",
          type: "create-json-service-connection",
          inputs: { baseUrl: "http://x", apiKey: "${inputs.key}", variable: "v", maxConcurrency },
        },
      ],
    });
    expect(validate(connect(2))).toBe(true);
    expect(validate(connect("${inputs.limit}"))).toBe(true);
    expect(validate(connect("two"))).toBe(false);
  });
});
