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

  it("completes and checks index-lookup's inputs", async () => {
    const validate = await schemaOf();
    const lookup = (inputs: Record<string, unknown>) => ({
      nodes: [{ id: "find", type: "index-lookup", connection: "search", inputs }],
    });
    expect(validate(lookup({ index: "handbook", query: "keys", top: 5, select: ["id", "title"] }))).toBe(
      true,
    );
    expect(
      validate(
        lookup({
          index: "${inputs.index}",
          vector: "${nodes.embed.output.embedding}",
          vectorFields: "contentVector",
          queryType: "hybrid",
          query: "${inputs.question}",
        }),
      ),
    ).toBe(true);
    expect(validate(lookup({ index: "handbook", query: "x", queryType: "fuzzy" }))).toBe(false);
    expect(validate(lookup({ index: "handbook", query: "x", top: 5000 }))).toBe(false);
    expect(validate(lookup({ index: "Hand Book", query: "x" }))).toBe(false);
    expect(validate(lookup({ query: "x" }))).toBe(false);
    expect(validate(lookup({ index: "handbook", qurey: "x" }))).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ keyword: "additionalProperties", params: { additionalProperty: "qurey" } }),
    );
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

describe("weft schema checks when", () => {
  const node = (when: unknown) => ({ nodes: [{ id: "chat", type: "declare-variable", when }] });

  it("accepts a boolean, a reference, and a comparison with exactly one of is, not and in", async () => {
    const validate = await schemaOf();
    const value = "${nodes.moderate.output.suggestedAction}";
    for (const when of [
      true,
      "${inputs.enabled}",
      { value, is: "Accept" },
      { value, is: { nested: [1, null] } },
      { value, is: null },
      { value, not: "Reject" },
      { value, in: ["Accept", "Review"] },
    ]) {
      expect(validate(node(when)), `${JSON.stringify(when)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("refuses a comparison with none or several of is, not and in, a list that is not one, or another field", async () => {
    const validate = await schemaOf();
    const value = "${inputs.action}";
    for (const when of [
      { value },
      { value, is: "a", not: "b" },
      { value, is: "a", in: ["b"] },
      { value, in: "Accept" },
      { value, in: [] },
      { value, equals: "Accept" },
      { is: "Accept" },
      { value: 3, is: 3 },
      3,
      null,
    ]) {
      expect(validate(node(when)), JSON.stringify(when)).toBe(false);
    }
  });
});

describe("weft schema completes create-connection and web-search", () => {
  const connect = (inputs: Record<string, unknown>) => ({
    nodes: [{ id: "c", type: "create-connection", inputs }],
  });

  it("offers each registered kind's fields for create-connection, per type", async () => {
    const validate = await schemaOf();
    expect(validate(connect({ type: "serp", apiKey: "${inputs.key}", variable: "s" }))).toBe(true);
    expect(
      validate(
        connect({
          type: "azure-ai",
          apiKey: "${inputs.key}",
          endpoint: "${inputs.endpoint}",
          maxConcurrency: 2,
          variable: "a",
        }),
      ),
    ).toBe(true);
    expect(
      validate(
        connect({ type: "custom", configs: { region: "eu" }, secrets: { t: "${inputs.t}" }, variable: "c" }),
      ),
    ).toBe(true);
    // A field of another kind, a missing key, a number where text goes, an unknown kind: refused.
    expect(
      validate(connect({ type: "serp", apiKey: "${inputs.key}", endpoint: "https://x", variable: "s" })),
    ).toBe(false);
    expect(validate(connect({ type: "serp", variable: "s" }))).toBe(false);
    expect(
      validate(connect({ type: "serp", apiKey: "${inputs.key}", maxConcurrency: "many", variable: "s" })),
    ).toBe(false);
    expect(validate(connect({ type: "serpp", apiKey: "${inputs.key}", variable: "s" }))).toBe(false);
  });

  it("includes a plug-in's kinds in create-connection", async () => {
    const validate = await schemaOf(["--plugin", "./examples/plugin/json-service.mjs"]);
    const flow = connect({
      type: "json-service",
      baseUrl: "http://x",
      apiKey: "${inputs.key}",
      variable: "j",
    });
    expect(validate(flow), JSON.stringify(validate.errors)).toBe(true);
    expect((await schemaOf())(flow)).toBe(false);
  });

  it("checks web-search's inputs", async () => {
    const validate = await schemaOf();
    const search = (inputs: Record<string, unknown>) => ({
      nodes: [{ id: "s", type: "web-search", connection: "serp", inputs }],
    });
    expect(validate(search({ query: "x", engine: "bing", num: 5, safe: "active", location: "Oslo" }))).toBe(
      true,
    );
    expect(validate(search({ query: "x", engine: "yahoo" }))).toBe(false);
    expect(validate(search({ query: "x", num: "${inputs.n}" }))).toBe(true);
    expect(validate(search({ engine: "google" }))).toBe(false);
  });
});
