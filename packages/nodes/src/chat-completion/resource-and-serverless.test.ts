import { type FlowNode, Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  chatOutput,
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  KEYS,
  runFlow,
  serverHost,
  useLlmServer,
} from "../../test-support/offline-engine.js";

const server = useLlmServer();

function engine() {
  const apiKey = new Secret(KEYS.shared);
  return createTestEngine(server(), {
    resource: { type: "azure-ai", endpoint: `${server().url}/`, apiKey },
    "resource-pinned": {
      type: "azure-ai",
      endpoint: `${server().url}/openai`,
      apiKey,
      apiVersion: "2025-01-01",
    },
    serverless: { type: "serverless", endpoint: server().url, apiKey },
  });
}

function chatNode(connection: string, inputs: Record<string, unknown> = {}): FlowNode {
  return {
    id: "answer",
    type: "chat-completion",
    connection,
    retry: FAST_RETRY,
    inputs: { model: "gpt-4o-mini", prompt: "Hi", ...inputs },
  } as FlowNode;
}

describe("chat-completion on an Azure OpenAI resource URL", () => {
  it.each([false, true])(
    "sends the deployment that model names on the deployments route (stream: %s)",
    async (stream) => {
      const { result, events } = await runFlow(engine(), {
        nodes: [chatNode("resource", { model: "my-gpt", stream })],
      });

      expect(chatOutput(result, "answer")).toMatchObject({
        content: 'Offline reply from my-gpt: "Hi"',
        connection: {
          source: "static",
          kind: "azure-openai-resource",
          host: serverHost(server()),
          name: "resource",
        },
      });
      expect(server().requests).toMatchObject([
        {
          path: "/openai/deployments/my-gpt/chat/completions",
          route: "azure-deployment",
          apiVersion: "2024-10-21",
          auth: "api-key",
          keyName: "shared",
        },
      ]);
      if (stream) expect(eventsNamed(events, "node:token").length).toBeGreaterThan(0);
    },
  );

  it("sends the connection's apiVersion, and takes the URL with /openai at the end", async () => {
    const { result } = await runFlow(engine(), { nodes: [chatNode("resource-pinned")] });
    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([{ apiVersion: "2025-01-01", deployment: "gpt-4o-mini" }]);
  });

  it("fails clearly without a model, before any request", async () => {
    const { result } = await runFlow(engine(), { nodes: [chatNode("resource", { model: undefined })] });
    expect(result.nodes.answer?.error).toMatchObject({
      code: "node.input",
      message: `"model" is required with an Azure OpenAI resource URL (${serverHost(server())}): it names the deployment`,
    });
    expect(server().requests).toHaveLength(0);
  });
});

describe("chat-completion on a serverless endpoint", () => {
  it.each([false, true])(
    "answers through ModelClient at the endpoint's root (stream: %s)",
    async (stream) => {
      const { result } = await runFlow(engine(), {
        nodes: [chatNode("serverless", { model: undefined, stream })],
      });

      expect(chatOutput(result, "answer")).toMatchObject({
        content: 'Offline reply from offline-model: "Hi"',
        model: "offline-model",
        connection: { source: "static", kind: "serverless", name: "serverless" },
      });
      expect(server().requests).toMatchObject([
        {
          path: "/chat/completions",
          route: "serverless",
          auth: "both",
          apiVersion: "2024-05-01-preview",
          stream,
        },
      ]);
    },
  );

  it("retries a 503 and fails a wrong key without retrying", async () => {
    server().addRule({ fault: { type: "status", status: 503, retryAfterMs: 1 }, times: 1 });
    const { result } = await runFlow(engine(), { nodes: [chatNode("serverless")] });
    expect(result.nodes.answer).toMatchObject({ status: "succeeded", attempts: 2 });

    const wrong = createTestEngine(server(), {
      wrong: { type: "serverless", endpoint: server().url, apiKey: new Secret("wrong-key-5e6f7a8b") },
    });
    const refused = await runFlow(wrong, { nodes: [chatNode("wrong")] });
    expect(refused.result.nodes.answer).toMatchObject({
      attempts: 1,
      error: { code: "llm.auth", status: 401 },
    });
  });
});
