import { type Connection, type FlowDefinition, type FlowNode, type RunResult, Secret } from "@weft/engine";
import { fingerprintKey, offlineEmbedding } from "@weft/testing";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  KEYS,
  runFlow,
  serverHost,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";
import type { EmbeddingsOutput } from "./embeddings.js";

const server = useLlmServer();

/** One static connection per wire, all with the shared key. */
function wireConnections(): Record<string, Connection> {
  const url = server().url;
  const apiKey = new Secret(KEYS.shared);
  return {
    "shared-serverless": { type: "serverless", endpoint: url, apiKey },
    "shared-resource": { type: "azure-ai", endpoint: `${url}/`, apiKey },
    "shared-azure-v1": { type: "openai", baseUrl: `${url}/openai/v1`, apiKey },
  };
}

const WIRES = [
  { connection: "shared-openai", kind: "openai", route: "openai-v1-embeddings", model: "emb" },
  { connection: "shared-azure-v1", kind: "openai", route: "azure-openai-v1-embeddings", model: "emb" },
  {
    connection: "shared-deployment",
    kind: "azure-openai-deployment",
    route: "azure-deployment-embeddings",
    model: undefined,
  },
  {
    connection: "shared-resource",
    kind: "azure-openai-resource",
    route: "azure-deployment-embeddings",
    model: "emb",
  },
  { connection: "shared-foundry", kind: "foundry-models", route: "foundry-models-embeddings", model: "emb" },
  { connection: "shared-serverless", kind: "serverless", route: "serverless-embeddings", model: undefined },
] as const;

function embedNode(extra: Partial<FlowNode> & { inputs?: Record<string, unknown> } = {}): FlowNode {
  return {
    id: "embed",
    type: "embeddings",
    connection: "shared-openai",
    retry: FAST_RETRY,
    ...extra,
    inputs: { model: "emb", input: "hello world", ...extra.inputs },
  } as FlowNode;
}

function output(result: RunResult, nodeId = "embed"): EmbeddingsOutput {
  const node = result.nodes[nodeId];
  if (node?.status !== "succeeded")
    throw new Error(`expected ${nodeId} to succeed, got ${JSON.stringify(node)}`);
  return node.output as EmbeddingsOutput;
}

async function embed(node: FlowNode, options: { maxResponseBytes?: number } = {}) {
  return runFlow(createTestEngine(server(), wireConnections(), options), { nodes: [node] });
}

describe.each(WIRES)("embeddings through $connection", ({ connection, kind, route, model }) => {
  it("returns one vector per text, in order, with usage and the connection", async () => {
    const { result } = await embed(
      embedNode({ connection, inputs: { model, input: ["first text", "second", "third one here"] } }),
    );

    expect(result.status).toBe("succeeded");
    const out = output(result);
    expect(out.embeddings).toEqual([
      offlineEmbedding("first text"),
      offlineEmbedding("second"),
      offlineEmbedding("third one here"),
    ]);
    expect(out.embedding).toEqual(offlineEmbedding("first text"));
    expect(out.usage).toEqual({ promptTokens: 6, completionTokens: 0, totalTokens: 6 });
    expect(out.connection).toEqual({ source: "static", kind, host: serverHost(server()), name: connection });
    expect(server().requests).toMatchObject([
      { route, keyName: "shared", inputs: 3, status: 200, keyFingerprint: fingerprintKey(KEYS.shared) },
    ]);
    expect(result.usage.byConnection).toEqual({
      [connection]: {
        requests: 1,
        promptTokens: 6,
        completionTokens: 0,
        totalTokens: 6,
        reported: true,
        unreportedRequests: 0,
      },
    });
  });

  it("embeds a single text with the dimensions asked for", async () => {
    const { result } = await embed(
      embedNode({ connection, inputs: { model, input: "short", dimensions: 3 } }),
    );
    expect(output(result).embeddings).toEqual([offlineEmbedding("short", 3)]);
    expect(output(result).embedding).toHaveLength(3);
  });

  it("retries a 429 after its retry-after-ms and succeeds", async () => {
    server().addRule({ fault: { type: "status", status: 429, retryAfterMs: 1 }, times: 1 });
    const { result, events } = await embed(embedNode({ connection, inputs: { model } }));

    expect(result.status).toBe("succeeded");
    expect(result.nodes.embed?.attempts).toBe(2);
    expect(eventsNamed(events, "node:retry").map((retry) => retry.error.code)).toEqual(["llm.rate-limited"]);
  });

  it.each([
    ["a 500, retried until the attempts run out", { type: "status", status: 500 }, "llm.server", 2],
    [
      "exhausted quota, never retried",
      { type: "status", status: 429, code: "insufficient_quota" },
      "llm.quota",
      1,
    ],
    ["a dropped socket, retried", { type: "drop" }, "llm.network", 2],
    ["a cut body, retried", { type: "stream-cut", afterChunks: 0 }, undefined, 2],
    ["malformed JSON, retried", { type: "malformed-json" }, "llm.response", 2],
    [
      "a 200 that is no list, not retried",
      { type: "raw-body", body: "null", contentType: "application/json" },
      "llm.response",
      1,
    ],
  ] as const)("fails on %s", async (_, fault, code, attempts) => {
    server().addRule({ fault });
    const { result } = await embed(
      embedNode({ connection, inputs: { model }, retry: { ...FAST_RETRY, maxAttempts: 2 } }),
    );

    expect(result.status).toBe("failed");
    expect(result.nodes.embed?.attempts).toBe(attempts);
    if (code) expect(result.nodes.embed?.error?.code).toBe(code);
    else expect(result.nodes.embed?.error?.code).toMatch(/^llm\.(network|response)$/);
    expect(server().requests).toHaveLength(attempts);
  });

  it("fails a wrong key with llm.auth, not retried, without the key", async () => {
    const engine = createTestEngine(server(), {
      wrong: { ...staticOf(connection), apiKey: new Secret("wrong-key-0a1b2c3d") },
    });
    const { result } = await runFlow(engine, {
      nodes: [embedNode({ connection: "wrong", inputs: { model } })],
    });

    expect(result.nodes.embed).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "llm.auth", status: 401 },
    });
    expect(JSON.stringify(result)).not.toContain("wrong-key-0a1b2c3d");
  });

  it("stops reading an answer past maxResponseBytes, not retried", async () => {
    server().addRule({ fault: { type: "huge-body", bytes: 300_000 } });
    const { result } = await embed(embedNode({ connection, inputs: { model } }), {
      maxResponseBytes: 100_000,
    });

    expect(result.nodes.embed).toMatchObject({ attempts: 1, error: { code: "llm.response-too-large" } });
  });

  it("ends cancelled when the run is cancelled while the service holds the request", async () => {
    server().addRule({ fault: { type: "hang" } });
    const handle = createTestEngine(server(), wireConnections()).run({
      nodes: [embedNode({ connection, inputs: { model } })],
    });
    await waitUntil(() => server().requests.length === 1, { what: "the request to arrive" });
    handle.cancel();
    const result = await handle;

    expect(result.status).toBe("cancelled");
    expect(result.nodes.embed).toMatchObject({ status: "cancelled", attempts: 1 });
    await waitUntil(() => server().requests[0]?.durationMs !== 0, { what: "the request to be closed" });
  });
});

/** The static connection of a name, from the shared ones or the per-wire ones. */
function staticOf(name: string): Connection {
  const url = server().url;
  const apiKey = new Secret(KEYS.shared);
  const shared: Record<string, Connection> = {
    "shared-openai": { type: "openai", baseUrl: `${url}/v1`, apiKey },
    "shared-deployment": { type: "azure-ai", endpoint: `${url}/openai/deployments/gpt-4o-mini`, apiKey },
    "shared-foundry": { type: "azure-ai", endpoint: `${url}/models`, apiKey },
  };
  return shared[name] ?? (wireConnections()[name] as Connection);
}

describe("embeddings: the override rule", () => {
  /** A customer's serverless endpoint, built from their key at run time, over a static connection. */
  function customerFlow(ownKey: boolean): FlowDefinition {
    return {
      inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
      nodes: [
        {
          id: "connect",
          type: "declare-variable",
          when: ownKey,
          inputs: {
            name: "conn",
            value: {
              type: "serverless",
              endpoint: "${inputs.endpoint}",
              apiKey: "${inputs.key}",
              name: "alice",
            },
          },
        },
        embedNode({
          connection: "shared-openai",
          dynamicConnection: "${vars.conn}",
          inputs: { input: ["a", "b"] },
        }),
      ],
      outputs: { via: "${nodes.embed.output.connection}" },
    };
  }

  it("uses the dynamic connection over the static one, on the customer's key", async () => {
    const { result } = await runFlow(createTestEngine(server()), customerFlow(true), {
      inputs: { key: KEYS.alice, endpoint: server().url },
    });

    expect(result.outputs.via).toEqual({
      source: "dynamic",
      kind: "serverless",
      host: serverHost(server()),
      name: "alice",
    });
    expect(server().requests).toMatchObject([
      { route: "serverless-embeddings", keyName: "alice", keyFingerprint: fingerprintKey(KEYS.alice) },
    ]);
  });

  it("falls back to the static connection when the dynamic one is not built", async () => {
    const { result } = await runFlow(createTestEngine(server()), customerFlow(false), {
      inputs: { key: KEYS.alice, endpoint: server().url },
    });

    expect(result.outputs.via).toMatchObject({ source: "static", kind: "openai", name: "shared-openai" });
    expect(server().requests).toMatchObject([{ route: "openai-v1-embeddings", keyName: "shared" }]);
  });

  it("takes an Azure OpenAI resource URL built by create-azure-ai-connection", async () => {
    const flow: FlowDefinition = {
      inputs: { key: { type: "secret" } },
      nodes: [
        {
          id: "connect",
          type: "create-azure-ai-connection",
          inputs: { apiKey: "${inputs.key}", endpoint: `${server().url}/`, variable: "conn" },
        },
        embedNode({
          connection: "shared-foundry",
          dynamicConnection: "${vars.conn}",
          inputs: { model: "my-emb" },
        }),
      ],
    };
    const { result } = await runFlow(createTestEngine(server()), flow, { inputs: { key: KEYS.bob } });

    expect(output(result).connection).toMatchObject({ source: "dynamic", kind: "azure-openai-resource" });
    expect(server().requests).toMatchObject([
      { path: "/openai/deployments/my-emb/embeddings", apiVersion: "2024-10-21", keyName: "bob" },
    ]);
  });
});

describe("embeddings: inputs and connections", () => {
  it("needs a model on an Azure OpenAI resource URL, saying why", async () => {
    const { result } = await embed(
      embedNode({ connection: "shared-resource", inputs: { model: undefined } }),
    );

    expect(result.nodes.embed?.error).toMatchObject({
      code: "node.input",
      message: `"model" is required with an Azure OpenAI resource URL (${serverHost(server())}): it names the deployment`,
    });
    expect(server().requests).toHaveLength(0);
  });

  it("refuses a connection of another kind", async () => {
    const engine = createTestEngine(server(), { plain: { type: "custom", configs: {}, secrets: {} } });
    const { result } = await runFlow(engine, { nodes: [embedNode({ connection: "plain" })] });

    expect(result.nodes.embed?.error?.message).toBe(
      "embeddings needs an azure-ai, openai or serverless connection, got a custom one",
    );
  });

  it.each([
    ["an empty list", [], "input", "expected at least one text"],
    ["an empty text", ["ok", ""], "input[1]", "expected a non-empty text"],
    [
      "too many texts",
      Array.from({ length: 2049 }, () => "x"),
      "input",
      "expected a non-empty text or a list of 1 to 2048 non-empty texts",
    ],
    ["a number", 42, "input", "expected a non-empty text or a list of 1 to 2048 non-empty texts"],
  ])("rejects %s before anything runs", (_, input, path, message) => {
    const issues = createTestEngine(server()).validate({ nodes: [embedNode({ inputs: { input } })] });
    expect(issues).toMatchObject([
      {
        code: "flow.invalid-input",
        path: `nodes[0].inputs.${path}`,
        message: `invalid input for embeddings: ${message}`,
      },
    ]);
  });

  it("refuses texts over the character limit when a reference brings them", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      { inputs: { texts: { type: "array" } }, nodes: [embedNode({ inputs: { input: "${inputs.texts}" } })] },
      { inputs: { texts: ["x".repeat(3 * 1024 * 1024), "y".repeat(2 * 1024 * 1024)] } },
    );

    expect(result.nodes.embed?.error?.message).toContain(
      "expected at most 4194304 characters of text in all, got 5242880",
    );
    expect(server().requests).toHaveLength(0);
  });

  it("fails when the service sends fewer vectors than texts", async () => {
    server().addRule({ embeddings: [[0.5, 0.5]] });
    const { result } = await embed(embedNode({ inputs: { input: ["a", "b"] } }));

    expect(result.nodes.embed?.error).toMatchObject({
      code: "llm.response",
      message: expect.stringContaining("1 vector for 2 inputs"),
    });
    expect(result.nodes.embed?.attempts).toBe(1);
  });

  it.each(["shared-openai", "shared-serverless"])(
    "times out each request %s leaves unanswered, retries, then fails with node.timeout",
    async (connection) => {
      const engine = createTestEngine(server(), wireConnections(), { requestTimeoutMs: 1_000 });
      // The first request loads the SDK: let that happen outside the deadline.
      await runFlow(engine, { nodes: [embedNode({ connection })] });
      server().reset();
      server().addRule({ fault: { type: "hang" } });
      const { result, events } = await runFlow(engine, {
        nodes: [embedNode({ connection, retry: { ...FAST_RETRY, maxAttempts: 2 } })],
      });

      expect(result.nodes.embed).toMatchObject({
        status: "failed",
        attempts: 2,
        error: { code: "node.timeout" },
      });
      expect(eventsNamed(events, "node:retry").map((retry) => retry.error.code)).toEqual(["node.timeout"]);
      // A loaded machine may not have delivered a request before its deadline: none was answered.
      expect(server().requests.every((entry) => entry.fault === "hang" && entry.status === 0)).toBe(true);
    },
  );

  it("keeps a connection's requests within its maxConcurrency", async () => {
    server().addRule({ delayMs: 50 });
    const engine = createTestEngine(server(), {
      limited: {
        type: "serverless",
        endpoint: server().url,
        apiKey: new Secret(KEYS.alice),
        maxConcurrency: 1,
      },
    });
    const nodes = ["a", "b", "c"].map((id) =>
      embedNode({ id, connection: "limited", inputs: { input: id } }),
    );
    const { result } = await runFlow(engine, { nodes });

    expect(result.status).toBe("succeeded");
    expect(server().stats()).toMatchObject({ total: 3, maxConcurrencyByKey: { alice: 1 } });
  });
});

describe("embeddings and chat: a missing model found before the run", () => {
  const nodes = (extra: Partial<FlowNode>): FlowNode[] => [
    { id: "conn", type: "declare-variable", inputs: { name: "conn", value: null } },
    embedNode({ connection: "shared-resource", inputs: { model: undefined }, ...extra }),
    {
      id: "ask",
      type: "chat-completion",
      connection: "shared-foundry",
      inputs: { prompt: "Hi" },
      ...extra,
    } as FlowNode,
    embedNode({ id: "fine", connection: "shared-serverless", inputs: { model: undefined } }),
    embedNode({ id: "later", connection: "shared-resource", inputs: { model: "${vars.conn}" } }),
  ];

  it("reports each node whose static connection needs a model it does not give", async () => {
    const problems = await createTestEngine(server(), wireConnections()).checkConnections({
      nodes: nodes({}),
    });
    const host = serverHost(server());
    expect(problems).toEqual([
      {
        severity: "error",
        code: "node.input",
        name: "shared-resource",
        nodeIds: ["embed"],
        message: `node "embed" with connection "shared-resource": "model" is required with an Azure OpenAI resource URL (${host}): it names the deployment`,
      },
      {
        severity: "error",
        code: "node.input",
        name: "shared-foundry",
        nodeIds: ["ask"],
        message: `node "ask" with connection "shared-foundry": "model" is required with a Foundry models endpoint (${host}): it picks the deployment`,
      },
    ]);
  });

  it("only warns when the connection backs up a dynamic one", async () => {
    const problems = await createTestEngine(server(), wireConnections()).checkConnections({
      nodes: nodes({ dynamicConnection: "${vars.conn}" }),
    });
    expect(problems.map((problem) => [problem.severity, problem.nodeIds])).toEqual([
      ["warning", ["embed"]],
      ["warning", ["ask"]],
    ]);
  });
});
