import { inspect } from "node:util";
import { type FlowDefinition, SECRET_MASK } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  chatOutput,
  createTestEngine,
  deploymentEndpoint,
  eventsNamed,
  foundryEndpoint,
  KEYS,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";
import { ACCEPTED_ENDPOINT_SHAPES } from "../connection-kinds/azure-ai/endpoint.js";

const server = useLlmServer();

/** A flow that builds a connection from its inputs and returns it. */
function connectionFlow(extraInputs: Record<string, unknown> = {}): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
    nodes: [
      {
        id: "connect",
        type: "create-azure-ai-connection",
        inputs: { apiKey: "${inputs.key}", endpoint: "${inputs.endpoint}", variable: "conn", ...extraInputs },
      },
    ],
    outputs: { conn: "${vars.conn}" },
  };
}

/** The connection flow, followed by a chat node that uses the connection. */
function connectionAndChatFlow(chatInputs: Record<string, unknown> = {}): FlowDefinition {
  const flow = connectionFlow();
  return {
    ...flow,
    nodes: [
      ...flow.nodes,
      {
        id: "answer",
        type: "chat-completion",
        dynamicConnection: "${vars.conn}",
        inputs: { prompt: "Hello?", ...chatInputs },
      },
    ],
  };
}

async function connect(endpoint: string, extraInputs: Record<string, unknown> = {}) {
  return runFlow(createTestEngine(server()), connectionFlow(extraInputs), {
    inputs: { key: KEYS.alice, endpoint },
  });
}

describe("create-azure-ai-connection: accepted endpoints", () => {
  it("accepts a Foundry /models endpoint and masks the key in the result", async () => {
    const { result } = await connect(`${foundryEndpoint(server())}/`);

    expect(result.status).toBe("succeeded");
    expect(result.nodes.connect?.output).toEqual({
      type: "azure-ai",
      endpoint: foundryEndpoint(server()),
      apiKey: SECRET_MASK,
    });
    expect(result.outputs.conn).toEqual({
      type: "azure-ai",
      endpoint: foundryEndpoint(server()),
      apiKey: SECRET_MASK,
    });
    // Building a connection sends nothing.
    expect(server().requests).toHaveLength(0);
  });

  it("accepts an Azure OpenAI deployment URL and takes ?api-version= from it", async () => {
    const { result } = await connect(
      `${deploymentEndpoint(server(), "gpt-4o")}?api-version=2025-01-01-preview`,
    );

    expect(result.nodes.connect?.output).toEqual({
      type: "azure-ai",
      endpoint: deploymentEndpoint(server(), "gpt-4o"),
      apiKey: SECRET_MASK,
      apiVersion: "2025-01-01-preview",
    });
  });

  it("sends the api-version of the URL, and lets an explicit apiVersion win over it", async () => {
    const engine = createTestEngine(server());
    const endpoint = `${deploymentEndpoint(server(), "gpt-4o")}?api-version=2025-01-01-preview`;
    await runFlow(engine, connectionAndChatFlow(), { inputs: { key: KEYS.alice, endpoint } });
    const explicit = connectionAndChatFlow();
    explicit.nodes[0]!.inputs = { ...explicit.nodes[0]!.inputs, apiVersion: "2024-06-01" };
    await runFlow(engine, explicit, { inputs: { key: KEYS.alice, endpoint } });

    expect(server().requests.map(({ path, apiVersion }) => ({ path, apiVersion }))).toEqual([
      { path: "/openai/deployments/gpt-4o/chat/completions", apiVersion: "2025-01-01-preview" },
      { path: "/openai/deployments/gpt-4o/chat/completions", apiVersion: "2024-06-01" },
    ]);
  });

  it.each([
    "https://contoso.services.ai.azure.com/models",
    "https://contoso.services.ai.azure.com/models/",
    "https://contoso.openai.azure.com/openai/deployments/gpt-4o",
    "https://contoso.cognitiveservices.azure.com/openai/deployments/gpt-4o?api-version=2024-06-01",
    "https://contoso.services.ai.azure.com/openai/deployments/my%20deployment",
  ])("accepts the Azure shape %s", async (endpoint) => {
    const { result } = await connect(endpoint);
    expect(result.status).toBe("succeeded");
    expect((result.outputs.conn as { endpoint: string }).endpoint).toBe(endpoint.replace(/\/?(\?.*)?$/, ""));
  });

  it.each([
    "http://127.0.0.1:8080/models",
    "http://localhost:8080/openai/deployments/local",
    "http://[::1]:8080/models",
    "http://127.1.2.3/models",
  ])("accepts plain http on the loopback host %s", async (endpoint) => {
    const { result } = await connect(endpoint);
    expect(result.status).toBe("succeeded");
  });

  it("passes name and maxConcurrency through to the connection", async () => {
    const { result } = await connect(foundryEndpoint(server()), { name: "alice", maxConcurrency: 3 });
    expect(result.outputs.conn).toEqual({
      type: "azure-ai",
      name: "alice",
      endpoint: foundryEndpoint(server()),
      apiKey: SECRET_MASK,
      maxConcurrency: 3,
    });
  });
});

describe("create-azure-ai-connection: refused endpoints", () => {
  it("refuses plain http to a host that is not this machine", async () => {
    const endpoint = "http://contoso.openai.azure.com/openai/deployments/gpt-4o";
    const { result } = await connect(endpoint);

    expect(result.status).toBe("failed");
    expect(result.nodes.connect?.error).toMatchObject({ code: "node.input", nodeId: "connect" });
    const message = result.nodes.connect?.error?.message;
    expect(message).toContain("use https://");
    expect(message).toContain(ACCEPTED_ENDPOINT_SHAPES);
    expect(message).toContain(JSON.stringify(endpoint));
  });

  it.each([
    ["ftp", "ftp://contoso.services.ai.azure.com/models"],
    ["not a URL", "contoso.services.ai.azure.com/models"],
    ["garbage", "%%% not an endpoint %%%"],
    ["empty", ""],
    ["Azure OpenAI v1 path", "https://contoso.openai.azure.com/openai/v1"],
    ["a bare URL on a host that is not Azure OpenAI's", "https://example.com"],
    ["a serverless endpoint", "https://llama.eastus2.models.ai.azure.com"],
    ["deployments without a name", "https://contoso.openai.azure.com/openai/deployments/"],
  ])("refuses %s, showing both accepted shapes and the value", async (_, endpoint) => {
    const { result } = await connect(endpoint);

    expect(result.status).toBe("failed");
    const error = result.nodes.connect?.error;
    expect(error?.code).toBe("node.input");
    expect(error?.message).toContain("inputs.endpoint: ");
    expect(error?.message).toContain("/models");
    expect(error?.message).toContain("/openai/deployments/<deployment>");
    expect(error?.message).toContain(`got ${JSON.stringify(endpoint)}`);
    expect(result.error).toEqual(error);
  });

  it.each([
    [
      "https",
      "https://user:hunter2-password@contoso.services.ai.azure.com/models",
      "must not contain credentials",
    ],
    ["plain http", "http://user:hunter2-password@contoso.services.ai.azure.com/models", "use https://"],
  ])("refuses credentials in an %s URL without repeating them", async (_, endpoint, why) => {
    const { result, events } = await connect(endpoint);

    expect(result.nodes.connect?.error?.code).toBe("node.input");
    expect(result.nodes.connect?.error?.message).toContain(why);
    expect(result.nodes.connect?.error?.message).toContain("***@contoso.services.ai.azure.com/models");
    expect(JSON.stringify(result)).not.toContain("hunter2-password");
    expect(JSON.stringify(events)).not.toContain("hunter2-password");
  });

  it("refuses an empty or blank key", async () => {
    const engine = createTestEngine(server());
    for (const key of ["", "   "]) {
      const { result } = await runFlow(engine, connectionFlow(), {
        inputs: { key, endpoint: foundryEndpoint(server()) },
      });
      expect(result.status, JSON.stringify(key)).toBe("failed");
      expect(result.nodes.connect?.error?.code).toBe("node.input");
      expect(result.nodes.connect?.error?.message).toContain("inputs.apiKey: expected a non-empty API key");
    }
  });

  it("trims the whitespace a key read from a file brings along", async () => {
    const { result } = await runFlow(createTestEngine(server()), connectionAndChatFlow({ model: "m" }), {
      inputs: { key: `${KEYS.alice}\n`, endpoint: foundryEndpoint(server()) },
    });

    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([{ keyName: "alice", status: 200 }]);
  });

  it("refuses a literal endpoint of the wrong shape before anything runs", () => {
    const engine = createTestEngine(server());
    const issues = engine.validate({
      nodes: [
        {
          id: "connect",
          type: "create-azure-ai-connection",
          inputs: { apiKey: "k", endpoint: 42, variable: "conn" },
        },
      ],
    });
    expect(issues).toMatchObject([{ code: "flow.invalid-input", path: "nodes[0].inputs.endpoint" }]);
  });
});

describe("create-azure-ai-connection: the key stays secret", () => {
  const canary = "canary-key-3e1d7b9a";

  it("masks the key in the result, the events and inspect output", async () => {
    const { result, events } = await runFlow(createTestEngine(server()), connectionFlow(), {
      inputs: { key: canary, endpoint: foundryEndpoint(server()) },
    });

    expect(result.status).toBe("succeeded");
    expect((result.outputs.conn as { apiKey: unknown }).apiKey).toBe(SECRET_MASK);
    const [nodeEnd] = eventsNamed(events, "node:end");
    expect((nodeEnd?.output as { apiKey?: unknown } | undefined)?.apiKey).toBe(SECRET_MASK);
    for (const text of [
      JSON.stringify(result),
      JSON.stringify(events),
      inspect(result, { depth: null }),
      inspect(events, { depth: null }),
    ]) {
      expect(text).not.toContain(canary);
    }
  });

  it("treats a key given as a plain string input as a secret too", async () => {
    const flow: FlowDefinition = {
      ...connectionFlow(),
      inputs: { key: { type: "string" }, endpoint: { type: "string" } },
    };
    const { result, events } = await runFlow(createTestEngine(server()), flow, {
      inputs: { key: canary, endpoint: foundryEndpoint(server()) },
    });

    expect(result.status).toBe("succeeded");
    expect((result.outputs.conn as { apiKey: unknown }).apiKey).toBe(SECRET_MASK);
    expect(JSON.stringify(result)).not.toContain(canary);
    expect(JSON.stringify(events)).not.toContain(canary);
  });

  it("gives a working connection: the chat request carries the key it was built with", async () => {
    const { result } = await runFlow(
      createTestEngine(server()),
      connectionAndChatFlow({ model: "gpt-4o-mini" }),
      {
        inputs: { key: KEYS.alice, endpoint: foundryEndpoint(server()) },
      },
    );

    expect(chatOutput(result, "answer").connection).toMatchObject({
      source: "dynamic",
      kind: "foundry-models",
    });
    expect(server().requests).toMatchObject([{ route: "foundry-models", keyName: "alice", status: 200 }]);
  });
});
