import { inspect } from "node:util";
import {
  createEngine,
  defineConnectionKind,
  type FlowDefinition,
  type FlowNode,
  SECRET_MASK,
  Secret,
  secretField,
} from "@weft/engine";
import { fingerprintKey } from "@weft/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  chatOutput,
  createTestEngine,
  foundryEndpoint,
  KEYS,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";
import { builtinConnectionKinds, builtinNodeTypes } from "../index.js";

const server = useLlmServer();

function connectNode(inputs: Record<string, unknown>, id = "connect"): FlowNode {
  return { id, type: "create-connection", inputs } as FlowNode;
}

const engine = createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds });
const issuesOf = (...nodes: FlowNode[]) =>
  engine.validate({ inputs: { key: { type: "secret" } }, nodes } satisfies FlowDefinition);

describe("create-connection: validation before anything runs", () => {
  it("refuses an unknown type, suggesting the closest", () => {
    expect(issuesOf(connectNode({ type: "serpp", apiKey: "${inputs.key}", variable: "c" }))).toEqual([
      expect.objectContaining({
        code: "flow.invalid-input",
        path: "nodes[0].inputs.type",
        message: expect.stringMatching(
          /^invalid input for create-connection: unknown type "serpp": .*did you mean "serp"\?/,
        ),
      }),
    ]);
  });

  it("wants the type written literally, and present", () => {
    expect(issuesOf(connectNode({ type: "${inputs.key}", variable: "c" }))).toEqual([
      expect.objectContaining({
        path: "nodes[0].inputs.type",
        message: expect.stringContaining("must be written literally"),
      }),
    ]);
    expect(issuesOf(connectNode({ variable: "c" }))).toEqual([
      expect.objectContaining({
        code: "flow.missing-input",
        message: expect.stringMatching(
          /^missing required input "type" for node type "create-connection": one of \d+, such as "azure-ai"/,
        ),
      }),
    ]);
  });

  it("checks the fields against the kind: unknown ones (with a suggestion), missing ones, bad values", () => {
    const issues = issuesOf(
      connectNode({ type: "serp", apiKey: "${inputs.key}", baseURL: "https://x.example.com", variable: "a" }),
      connectNode(
        { type: "azure-ai", endpoint: "https://res.services.ai.azure.com/models", variable: "b" },
        "b",
      ),
      connectNode(
        { type: "azure-ai", apiKey: "${inputs.key}", endpoint: "https://example.com/v1", variable: "c" },
        "c",
      ),
      connectNode(
        { type: "serp", apiKey: "${inputs.key}", baseUrl: "https://serpapi.com/?api_key=abc", variable: "d" },
        "d",
      ),
      connectNode({ type: "serp", apiKey: "${inputs.key}", maxConcurrency: 0, variable: "e" }, "e"),
    );
    expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
      [
        "nodes[0].inputs.baseURL",
        expect.stringContaining('unknown input "baseURL" for node type "create-connection": '),
      ],
      [
        "nodes[1].inputs.apiKey",
        "invalid input for create-connection: Invalid input: expected a secret (a secret input or variable), received undefined",
      ],
      ["nodes[2].inputs.endpoint", expect.stringContaining("unrecognised Azure AI endpoint")],
      ["nodes[3].inputs.baseUrl", expect.stringContaining("keys belong in apiKey")],
      [
        "nodes[4].inputs.maxConcurrency",
        "invalid input for create-connection: Too small: expected number to be >0",
      ],
    ]);
    expect(issues[0]?.message).toMatch(/did you mean "baseUrl"\?|expected one of/);
    expect(JSON.stringify(issues)).not.toContain("api_key=abc");
  });

  it("accepts every registered kind, a custom one with its records included", () => {
    expect(
      issuesOf(
        connectNode({ type: "serp", apiKey: "${inputs.key}", variable: "a" }, "a"),
        connectNode(
          { type: "openai", apiKey: "${inputs.key}", baseUrl: "http://127.0.0.1:1/v1", variable: "b" },
          "b",
        ),
        connectNode(
          { type: "custom", configs: { region: "eu" }, secrets: { token: "${inputs.key}" }, variable: "c" },
          "c",
        ),
      ),
    ).toEqual([]);
  });
});

describe("create-connection: at run time", () => {
  it("builds an azure-ai connection that overrides the static one for chat-completion", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      {
        inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
        nodes: [
          connectNode({
            type: "azure-ai",
            apiKey: "${inputs.key}",
            endpoint: "${inputs.endpoint}",
            variable: "conn",
            name: "alice",
          }),
          {
            id: "answer",
            type: "chat-completion",
            connection: "shared-foundry",
            dynamicConnection: "${vars.conn}",
            inputs: { model: "gpt-4o-mini", prompt: "Hello" },
          },
        ],
        outputs: { conn: "${vars.conn}" },
      },
      { inputs: { key: KEYS.alice, endpoint: foundryEndpoint(server()) } },
    );
    expect(chatOutput(result, "answer").connection).toMatchObject({
      source: "dynamic",
      name: "alice",
      kind: "foundry-models",
    });
    expect(server().requests).toMatchObject([
      { keyName: "alice", keyFingerprint: fingerprintKey(KEYS.alice) },
    ]);
    expect(result.outputs.conn).toEqual({
      type: "azure-ai",
      name: "alice",
      endpoint: foundryEndpoint(server()),
      apiKey: SECRET_MASK,
    });
  });

  it("builds a serp connection that overrides the static one for web-search", async () => {
    const engine = createTestEngine(server(), {
      "shared-serp": { type: "serp", baseUrl: server().url, apiKey: new Secret(KEYS.shared) },
    });
    const { result } = await runFlow(
      engine,
      {
        inputs: { key: { type: "secret" }, base: { type: "string" } },
        nodes: [
          connectNode({
            type: "serp",
            apiKey: "${inputs.key}",
            baseUrl: "${inputs.base}",
            variable: "serp",
            maxConcurrency: 1,
          }),
          {
            id: "search",
            type: "web-search",
            connection: "shared-serp",
            dynamicConnection: "${vars.serp}",
            inputs: { query: "x" },
          },
          {
            id: "static",
            type: "web-search",
            connection: "shared-serp",
            dependsOn: ["search"],
            inputs: { query: "y" },
          },
        ],
      },
      { inputs: { key: KEYS.bob, base: server().url } },
    );
    expect(result.status).toBe("succeeded");
    expect(result.nodes.search?.output).toMatchObject({ connection: { source: "dynamic" } });
    expect(server().requests.map((request) => [request.search?.query, request.keyFingerprint])).toEqual([
      ["x", fingerprintKey(KEYS.bob)],
      ["y", fingerprintKey(KEYS.shared)],
    ]);
  });

  it("makes every secret of a custom connection a Secret, and scrubs them all", async () => {
    const token = "custom-token-canary-81f2";
    const { result, events } = await runFlow(
      createTestEngine(server()),
      {
        inputs: { token: { type: "string" } },
        nodes: [
          connectNode({
            type: "custom",
            configs: { region: "eu" },
            secrets: { token: "${inputs.token}" },
            variable: "c",
          }),
        ],
        outputs: { conn: "${vars.c}", text: "token=${vars.c.secrets.token}" },
      },
      { inputs: { token } },
    );
    expect(result.status).toBe("succeeded");
    expect(result.outputs.conn).toEqual({
      type: "custom",
      configs: { region: "eu" },
      secrets: { token: SECRET_MASK },
    });
    for (const text of [JSON.stringify(result), inspect(result, { depth: null }), JSON.stringify(events)]) {
      expect(text).not.toContain(token);
    }
  });

  it("refuses an empty key when the node runs", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      {
        inputs: { key: { type: "secret" } },
        nodes: [connectNode({ type: "serp", apiKey: "${inputs.key}", variable: "c" })],
      },
      { inputs: { key: "  \n" } },
    );
    expect(result.error).toMatchObject({ code: "node.input", nodeId: "connect" });
    expect(result.error?.message).toBe(
      "invalid input for create-connection: inputs.apiKey: expected a non-empty secret",
    );
  });

  it("serves a kind an app or plug-in registers, with the engine's other kinds", async () => {
    const pluginKind = defineConnectionKind({
      type: "json-service",
      description: "A JSON service.",
      fields: z.object({ baseUrl: z.string().url(), apiKey: secretField() }),
      label: (connection) => new URL(connection.baseUrl).host,
      identity: (connection) => [connection.baseUrl],
    });
    const pluginEngine = createEngine({
      nodeTypes: builtinNodeTypes,
      connectionKinds: [...builtinConnectionKinds, pluginKind],
    });
    const flow: FlowDefinition = {
      inputs: { key: { type: "secret" } },
      nodes: [
        connectNode({
          type: "json-service",
          baseUrl: "https://svc.example.com",
          apiKey: "${inputs.key}",
          variable: "c",
        }),
      ],
      outputs: { conn: "${vars.c}" },
    };
    expect(pluginEngine.validate(flow)).toEqual([]);
    expect(engine.validate(flow)).toEqual([expect.objectContaining({ path: "nodes[0].inputs.type" })]);
    expect(
      pluginEngine.validate({
        ...flow,
        nodes: [
          connectNode({ type: "json-service", baseUrl: "nope", apiKey: "${inputs.key}", variable: "c" }),
        ],
      }),
    ).toEqual([expect.objectContaining({ path: "nodes[0].inputs.baseUrl" })]);
    const result = await pluginEngine.run(flow, { inputs: { key: "plugin-key-0123456" } });
    expect(result.outputs.conn).toEqual({
      type: "json-service",
      baseUrl: "https://svc.example.com",
      apiKey: SECRET_MASK,
    });
  });
});
