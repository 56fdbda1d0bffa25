import { type Connection, type FlowDefinition, Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  chatOutput,
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  foundryEndpoint,
  KEYS,
  recordEvents,
  runFlow,
  serverHost,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";

const server = useLlmServer();

/** One chat node on a Foundry `/models` connection. */
function foundryChat(inputs: Record<string, unknown>, connection = "shared-foundry"): FlowDefinition {
  return {
    nodes: [{ id: "answer", type: "chat-completion", connection, retry: FAST_RETRY, inputs }],
  };
}

function foundryConnection(extra: Partial<Connection> = {}): Record<string, Connection> {
  return {
    foundry: {
      type: "azure-ai",
      endpoint: foundryEndpoint(server()),
      apiKey: new Secret(KEYS.alice),
      ...extra,
    } as Connection,
  };
}

describe("chat-completion on a Foundry models endpoint (ModelClient)", () => {
  it("posts to /models/chat/completions with both auth headers, the model in the body and the default api-version", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      foundryChat({ model: "Phi-4", prompt: "Hi" }),
    );

    expect(chatOutput(result, "answer")).toEqual({
      content: 'Offline reply from Phi-4: "Hi"',
      finishReason: "stop",
      model: "Phi-4",
      usage: { promptTokens: 1, completionTokens: 5, totalTokens: 6 },
      connection: {
        source: "static",
        kind: "foundry-models",
        host: serverHost(server()),
        name: "shared-foundry",
      },
    });
    expect(server().requests).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/models/chat/completions",
        route: "foundry-models",
        apiVersion: "2024-05-01-preview",
        auth: "both",
        keyName: "shared",
        model: "Phi-4",
        stream: false,
        status: 200,
      }),
    ]);
    expect(server().requests[0]?.deployment).toBeUndefined();
  });

  it("sends the connection's apiVersion", async () => {
    const engine = createTestEngine(server(), foundryConnection({ apiVersion: "2024-08-01-preview" }));
    await runFlow(engine, foundryChat({ model: "Phi-4", prompt: "Hi" }, "foundry"));

    expect(server().requests).toMatchObject([
      { route: "foundry-models", apiVersion: "2024-08-01-preview", keyName: "alice" },
    ]);
  });

  it("sends the api-version of the endpoint URL", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      {
        inputs: { key: { type: "secret" } },
        nodes: [
          {
            id: "connect",
            type: "create-azure-ai-connection",
            inputs: {
              apiKey: "${inputs.key}",
              endpoint: `${foundryEndpoint(server())}?api-version=2024-08-01-preview`,
              variable: "conn",
            },
          },
          {
            id: "answer",
            type: "chat-completion",
            dynamicConnection: "${vars.conn}",
            inputs: { model: "m", prompt: "Hi" },
          },
        ],
      },
      { inputs: { key: KEYS.bob } },
    );

    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([{ apiVersion: "2024-08-01-preview", keyName: "bob" }]);
  });

  it("requires a model, saying why, without sending anything", async () => {
    const { result } = await runFlow(createTestEngine(server()), foundryChat({ prompt: "Hi" }));

    expect(result.nodes.answer?.error).toEqual({
      code: "node.input",
      message: `"model" is required with a Foundry models endpoint (${serverHost(server())}): it picks the deployment`,
      nodeId: "answer",
    });
    expect(result.nodes.answer?.attempts).toBe(1);
    expect(server().requests).toHaveLength(0);
  });
});

describe("streaming through ModelClient", () => {
  it("emits node:token events that add up to the content, with usage", async () => {
    const { result, events } = await runFlow(
      createTestEngine(server()),
      foundryChat({ model: "Phi-4", prompt: "Tell me a story", stream: true }),
    );

    const output = chatOutput(result, "answer");
    expect(output.content).toBe('Offline reply from Phi-4: "Tell me a story"');
    const tokens = eventsNamed(events, "node:token");
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.every((token) => token.nodeId === "answer")).toBe(true);
    expect(tokens.map((token) => token.token).join("")).toBe(output.content);
    expect(output.usage).toEqual({ promptTokens: 4, completionTokens: 8, totalTokens: 12 });
    expect(output.finishReason).toBe("stop");
    expect(result.nodes.answer?.usage).toEqual({
      ...output.usage,
      requests: 1,
      reported: true,
      unreportedRequests: 0,
    });
    expect(server().requests).toMatchObject([{ route: "foundry-models", stream: true, status: 200 }]);
  });

  it("asks for usage in the stream", async () => {
    let includeUsage: boolean | undefined;
    server().addRule({
      reply: (request) => {
        includeUsage = request.includeUsage;
        return "ok";
      },
    });
    await runFlow(createTestEngine(server()), foundryChat({ model: "m", prompt: "Hi", stream: true }));

    expect(includeUsage).toBe(true);
  });

  it("retries a stream cut off mid-way, and then succeeds", async () => {
    server().addRule({ fault: { type: "stream-cut", afterChunks: 2 }, times: 1 });
    const { result, events } = await runFlow(
      createTestEngine(server()),
      foundryChat({ model: "m", prompt: "Hello there", stream: true }),
    );

    const output = chatOutput(result, "answer");
    expect(output.content).toBe('Offline reply from m: "Hello there"');
    expect(result.nodes.answer?.attempts).toBe(2);
    const retries = eventsNamed(events, "node:retry");
    expect(retries).toMatchObject([{ nodeId: "answer", attempt: 1, error: { code: "llm.network" } }]);
    expect(server().requests.map((entry) => entry.fault ?? entry.status)).toEqual(["stream-cut", 200]);
    // The tokens of the attempt that succeeded are the answer.
    const retryAt = events.findIndex((recorded) => recorded.name === "node:retry");
    const lastAttemptTokens = eventsNamed(events.slice(retryAt), "node:token").map((token) => token.token);
    expect(lastAttemptTokens.join("")).toBe(output.content);
  });

  it("ends cancelled, not with half an answer, when the run is cancelled mid-stream", async () => {
    server().addRule({ reply: "one two three four five six seven eight", chunkDelayMs: 100 });
    const handle = createTestEngine(server()).run(foundryChat({ model: "m", prompt: "Count", stream: true }));
    const events = recordEvents(handle);
    await waitUntil(() => eventsNamed(events, "node:token").length > 0);
    handle.cancel();
    const result = await handle;

    expect(result.status).toBe("cancelled");
    expect(result.nodes.answer).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(eventsNamed(events, "node:retry")).toEqual([]);
  });

  it("times out mid-stream with the node's timeoutMs", async () => {
    // The first words come within a few hundred ms, the whole answer takes four seconds: the
    // deadline falls mid-stream with a wide margin on both sides, however loaded the machine.
    const fortyWords = Array.from({ length: 40 }, (_, index) => `word${index}`).join(" ");
    server().addRule({ reply: fortyWords, chunkDelayMs: 100 });
    const flow = foundryChat({ model: "m", prompt: "Count", stream: true });
    flow.nodes[0]!.timeoutMs = 1_000;
    const { result, events } = await runFlow(createTestEngine(server()), flow);

    expect(result.nodes.answer?.error?.code).toBe("node.timeout");
    expect(eventsNamed(events, "node:token").length).toBeGreaterThan(0);
    expect(server().requests).toHaveLength(1);
  });

  it("fails with a clear message when the service sends an error event mid-stream", async () => {
    server().addRule({
      fault: { type: "stream-error", afterChunks: 2, message: "The model crashed.", code: "model_error" },
    });
    const { result } = await runFlow(
      createTestEngine(server()),
      foundryChat({ model: "m", prompt: "Hi", stream: true }),
    );

    expect(result.status).toBe("failed");
    expect(result.nodes.answer?.error?.message).toContain(serverHost(server()));
    expect(result.nodes.answer?.error?.message).toContain("The model crashed.");
    expect(result.nodes.answer?.attempts).toBe(1);
  });

  it("reads the error body of a stream request refused before it starts", async () => {
    server().addRule({ fault: { type: "status", status: 400, message: "Unsupported parameter: 'stop'." } });
    const { result } = await runFlow(
      createTestEngine(server()),
      foundryChat({ model: "m", prompt: "Hi", stream: true }),
    );

    expect(result.nodes.answer?.error).toEqual({
      code: "llm.request",
      message: `${serverHost(server())} answered 400: Unsupported parameter: 'stop'.`,
      nodeId: "answer",
      status: 400,
    });
    expect(result.nodes.answer?.attempts).toBe(1);
  });

  it("retries a throttled stream request with the server's hint", async () => {
    server().addRule({ fault: { type: "status", status: 429, retryAfterMs: 2 }, times: 1 });
    const { result, events } = await runFlow(
      createTestEngine(server()),
      foundryChat({ model: "m", prompt: "Hi", stream: true }),
    );

    expect(result.status).toBe("succeeded");
    expect(eventsNamed(events, "node:retry")).toMatchObject([
      { delayMs: 2, error: { code: "llm.rate-limited", status: 429 } },
    ]);
  });
});
