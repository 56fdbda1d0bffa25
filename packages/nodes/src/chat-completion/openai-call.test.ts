import { type Connection, type FlowDefinition, Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  chatOutput,
  createTestEngine,
  deploymentEndpoint,
  eventsNamed,
  FAST_RETRY,
  KEYS,
  recordEvents,
  runFlow,
  serverHost,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";

const server = useLlmServer();

/** A reply streamed word by word: at 100 ms a word, it takes about four seconds. */
const FORTY_WORDS = Array.from({ length: 40 }, (_, index) => `word${index}`).join(" ");

function chat(connection: string, inputs: Record<string, unknown>): FlowDefinition {
  return { nodes: [{ id: "answer", type: "chat-completion", connection, retry: FAST_RETRY, inputs }] };
}

describe("chat-completion on an Azure OpenAI deployment URL (AzureOpenAI)", () => {
  it("posts to the deployment with the api-key header and the default api-version", async () => {
    const { result } = await runFlow(createTestEngine(server()), chat("shared-deployment", { prompt: "Hi" }));

    expect(chatOutput(result, "answer")).toEqual({
      content: 'Offline reply from gpt-4o-mini: "Hi"',
      finishReason: "stop",
      model: "gpt-4o-mini",
      usage: { promptTokens: 1, completionTokens: 5, totalTokens: 6 },
      connection: {
        source: "static",
        kind: "azure-openai-deployment",
        host: serverHost(server()),
        name: "shared-deployment",
      },
    });
    expect(server().requests).toEqual([
      expect.objectContaining({
        path: "/openai/deployments/gpt-4o-mini/chat/completions",
        route: "azure-deployment",
        deployment: "gpt-4o-mini",
        apiVersion: "2024-10-21",
        auth: "api-key",
        keyName: "shared",
        status: 200,
      }),
    ]);
  });

  it("uses the deployment name as the model when none is given, and the given model otherwise", async () => {
    const engine = createTestEngine(server());
    await runFlow(engine, chat("shared-deployment", { prompt: "Hi" }));
    const { result } = await runFlow(
      engine,
      chat("shared-deployment", { model: "gpt-4o-2024-08-06", prompt: "Hi" }),
    );

    expect(server().requests.map(({ path, model }) => ({ path, model }))).toEqual([
      { path: "/openai/deployments/gpt-4o-mini/chat/completions", model: "gpt-4o-mini" },
      { path: "/openai/deployments/gpt-4o-mini/chat/completions", model: "gpt-4o-2024-08-06" },
    ]);
    expect(chatOutput(result, "answer").model).toBe("gpt-4o-2024-08-06");
  });

  it("sends the connection's apiVersion", async () => {
    const engine = createTestEngine(server(), {
      pinned: {
        type: "azure-ai",
        endpoint: deploymentEndpoint(server(), "pinned"),
        apiKey: new Secret(KEYS.bob),
        apiVersion: "2025-04-01-preview",
      },
    });
    await runFlow(engine, chat("pinned", { prompt: "Hi" }));

    expect(server().requests).toMatchObject([
      { deployment: "pinned", apiVersion: "2025-04-01-preview", keyName: "bob" },
    ]);
  });

  it("sends the api-version of a static connection's endpoint URL", async () => {
    const engine = createTestEngine(server(), {
      versioned: {
        type: "azure-ai",
        endpoint: `${deploymentEndpoint(server(), "versioned")}?api-version=2024-06-01`,
        apiKey: new Secret(KEYS.bob),
      },
    });
    const { result } = await runFlow(engine, chat("versioned", { prompt: "Hi" }));

    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([
      { path: "/openai/deployments/versioned/chat/completions", apiVersion: "2024-06-01" },
    ]);
  });

  it("refuses a static connection whose endpoint has neither accepted shape", async () => {
    const engine = createTestEngine(server(), {
      broken: { type: "azure-ai", endpoint: `${server().url}/openai/v1`, apiKey: new Secret(KEYS.bob) },
    });
    const { result } = await runFlow(engine, chat("broken", { prompt: "Hi" }));

    expect(result.nodes.answer?.error?.code).toBe("connection.endpoint");
    expect(result.nodes.answer?.error?.message).toContain("/openai/deployments/<deployment>");
    expect(server().requests).toHaveLength(0);
  });
});

describe("chat-completion on an OpenAI connection (OpenAI)", () => {
  it("posts to /v1/chat/completions with a bearer token and no api-version", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      chat("shared-openai", { model: "gpt-4.1", prompt: "Hi" }),
    );

    expect(chatOutput(result, "answer").connection).toEqual({
      source: "static",
      kind: "openai",
      host: serverHost(server()),
      name: "shared-openai",
    });
    expect(server().requests).toEqual([
      expect.objectContaining({
        path: "/v1/chat/completions",
        route: "openai-v1",
        auth: "bearer",
        keyName: "shared",
        model: "gpt-4.1",
        status: 200,
      }),
    ]);
    expect(server().requests[0]?.apiVersion).toBeUndefined();
  });

  it("requires a model, saying why, without sending anything", async () => {
    const { result } = await runFlow(createTestEngine(server()), chat("shared-openai", { prompt: "Hi" }));

    expect(result.nodes.answer?.error).toEqual({
      code: "node.input",
      message: `"model" is required with an OpenAI connection (${serverHost(server())})`,
      nodeId: "answer",
    });
    expect(server().requests).toHaveLength(0);
  });

  it("names api.openai.com as the host when the connection has no baseUrl", async () => {
    const engine = createTestEngine(server(), {
      cloud: { type: "openai", apiKey: new Secret(KEYS.bob) } satisfies Connection,
    });
    const { result } = await runFlow(engine, chat("cloud", { prompt: "Hi" }));

    // Nothing is sent: the model check comes first, and it names the host the request would go to.
    expect(result.nodes.answer?.error?.message).toBe(
      '"model" is required with an OpenAI connection (api.openai.com)',
    );
  });
});

describe.each([
  { connection: "shared-deployment", route: "azure-deployment", model: undefined, name: "gpt-4o-mini" },
  { connection: "shared-openai", route: "openai-v1", model: "gpt-4.1", name: "gpt-4.1" },
])("streaming through the openai SDK ($route)", ({ connection, route, model, name }) => {
  const inputs = (extra: Record<string, unknown>) => ({
    ...(model ? { model } : {}),
    stream: true,
    ...extra,
  });

  it("emits node:token events that add up to the content, with usage", async () => {
    const { result, events } = await runFlow(
      createTestEngine(server()),
      chat(connection, inputs({ prompt: "Tell me a story" })),
    );

    const output = chatOutput(result, "answer");
    expect(output.content).toBe(`Offline reply from ${name}: "Tell me a story"`);
    const tokens = eventsNamed(events, "node:token").map((token) => token.token);
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.join("")).toBe(output.content);
    expect(output.usage).toEqual({ promptTokens: 4, completionTokens: 8, totalTokens: 12 });
    expect(output.finishReason).toBe("stop");
    expect(output.model).toBe(name);
    expect(server().requests).toMatchObject([{ route, stream: true, status: 200 }]);
  });

  it("retries a stream cut off mid-way, and then succeeds", async () => {
    server().addRule({ fault: { type: "stream-cut", afterChunks: 3 }, times: 1 });
    const { result, events } = await runFlow(
      createTestEngine(server()),
      chat(connection, inputs({ prompt: "Hello there" })),
    );

    expect(result.status).toBe("succeeded");
    const output = chatOutput(result, "answer");
    expect(output.content).toBe(`Offline reply from ${name}: "Hello there"`);
    expect(result.nodes.answer?.attempts).toBe(2);
    expect(eventsNamed(events, "node:retry")).toMatchObject([{ attempt: 1, error: { code: "llm.network" } }]);
    expect(server().requests.map((entry) => entry.fault ?? entry.status)).toEqual(["stream-cut", 200]);
    const retryAt = events.findIndex((recorded) => recorded.name === "node:retry");
    const lastAttemptTokens = eventsNamed(events.slice(retryAt), "node:token").map((token) => token.token);
    expect(lastAttemptTokens.join("")).toBe(output.content);
  });

  it("retries a server error sent mid-stream, then fails with a clear message", async () => {
    server().addRule({ fault: { type: "stream-error", afterChunks: 2, message: "The model crashed." } });
    const { result } = await runFlow(createTestEngine(server()), {
      ...chat(connection, inputs({ prompt: "Hi" })),
    });

    expect(result.status).toBe("failed");
    const error = result.nodes.answer?.error;
    expect(error?.message).toContain(serverHost(server()));
    expect(error?.message).toContain("The model crashed.");
    expect(result.nodes.answer?.attempts).toBeGreaterThan(1);
  });

  it("does not retry an error event mid-stream that is not a server fault", async () => {
    server().addRule({
      fault: { type: "stream-error", afterChunks: 2, message: "Content filtered.", code: "content_filter" },
    });
    const { result } = await runFlow(createTestEngine(server()), chat(connection, inputs({ prompt: "Hi" })));

    expect(result.status).toBe("failed");
    expect(result.nodes.answer?.error?.message).toContain("Content filtered.");
    expect(result.nodes.answer?.attempts).toBe(1);
  });

  it("ends cancelled, not with half an answer, when the run is cancelled mid-stream", async () => {
    server().addRule({ reply: "one two three four five six seven eight", chunkDelayMs: 100 });
    const handle = createTestEngine(server()).run(chat(connection, inputs({ prompt: "Count" })));
    const events = recordEvents(handle);
    await waitUntil(() => eventsNamed(events, "node:token").length > 0);
    handle.cancel();
    const result = await handle;

    expect(result.status).toBe("cancelled");
    expect(result.nodes.answer).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(result.nodes.answer?.output).toBeUndefined();
    expect(eventsNamed(events, "node:retry")).toEqual([]);
  });

  it("times out mid-stream with the node's timeoutMs", async () => {
    // The first words come within a few hundred ms, the whole answer takes four seconds: the
    // deadline falls mid-stream with a wide margin on both sides, however loaded the machine.
    server().addRule({ reply: FORTY_WORDS, chunkDelayMs: 100 });
    const { result, events } = await runFlow(createTestEngine(server()), {
      nodes: [
        {
          id: "answer",
          type: "chat-completion",
          connection,
          timeoutMs: 1_000,
          retry: FAST_RETRY,
          inputs: inputs({ prompt: "Count" }),
        },
      ],
    });

    expect(result.nodes.answer?.error?.code).toBe("node.timeout");
    expect(eventsNamed(events, "node:token").length).toBeGreaterThan(0);
    expect(server().requests).toHaveLength(1);
  });

  it("fails, retrying, when the stream ends before the completion finished", async () => {
    server().addRule({ fault: { type: "stream-cut", afterChunks: 2 } });
    const { result } = await runFlow(createTestEngine(server()), {
      nodes: [
        {
          id: "answer",
          type: "chat-completion",
          connection,
          retry: { ...FAST_RETRY, maxAttempts: 2 },
          inputs: inputs({ prompt: "Hi" }),
        },
      ],
    });

    expect(result.status).toBe("failed");
    expect(result.nodes.answer?.attempts).toBe(2);
    expect(result.nodes.answer?.error?.code).toBe("llm.network");
    expect(result.nodes.answer?.error?.message).toContain(serverHost(server()));
  });
});
