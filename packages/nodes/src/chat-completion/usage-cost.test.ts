import { type FlowDefinition, Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  deploymentEndpoint,
  eventsNamed,
  KEYS,
  runFlow,
  serverHost,
  useLlmServer,
} from "../../test-support/offline-engine.js";

const server = useLlmServer();

/** A 200 completion without `usage`, as some OpenAI-compatible servers answer. */
const NO_USAGE_BODY = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
});

/** Two chats: one through the static Foundry connection, one through a customer's own deployment. */
function twoChats(): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
    nodes: [
      {
        id: "shared",
        type: "chat-completion",
        connection: "shared-foundry",
        inputs: { model: "gpt-4o-mini", prompt: "one two three" },
      },
      {
        id: "connect",
        type: "create-azure-ai-connection",
        inputs: { apiKey: "${inputs.key}", endpoint: "${inputs.endpoint}", variable: "own" },
      },
      {
        id: "own",
        type: "chat-completion",
        dynamicConnection: "${vars.own}",
        inputs: { prompt: "four five" },
      },
    ],
  };
}

describe("cost from prices", () => {
  it("prices each call by its deployment, else its model, beside the tokens of node, run and connection", async () => {
    const engine = createTestEngine(
      server(),
      {},
      {
        prices: {
          currency: "EUR",
          models: {
            // The deployment's own price wins over its model's.
            "my-deployment": { input: 2, output: 8 },
            "gpt-4o-mini": { input: 0.15, output: 0.6 },
          },
        },
      },
    );
    const { result, events } = await runFlow(engine, twoChats(), {
      inputs: { key: KEYS.alice, endpoint: deploymentEndpoint(server(), "my-deployment") },
    });
    expect(result.status).toBe("succeeded");
    const servedBy = (key: string) => server().requests.find((entry) => entry.keyName === key)?.usage;
    const foundry = servedBy("shared");
    const deployment = servedBy("alice");
    const foundryCost = (foundry!.promptTokens * 0.15 + foundry!.completionTokens * 0.6) / 1e6;
    const deploymentCost = (deployment!.promptTokens * 2 + deployment!.completionTokens * 8) / 1e6;
    expect(result.nodes.shared?.usage).toMatchObject({
      cost: expect.closeTo(foundryCost, 12),
      currency: "EUR",
    });
    expect(result.nodes.own?.usage).toMatchObject({
      cost: expect.closeTo(deploymentCost, 12),
      currency: "EUR",
    });
    expect(result.usage).toMatchObject({
      requests: 2,
      totalTokens: foundry!.totalTokens + deployment!.totalTokens,
      cost: expect.closeTo(foundryCost + deploymentCost, 12),
      currency: "EUR",
      unpricedRequests: 0,
    });
    expect(result.usage.byConnection["shared-foundry"]).toMatchObject({
      cost: expect.closeTo(foundryCost, 12),
    });
    // node:end carries the node's usage and cost too.
    const ends = eventsNamed(events, "node:end").filter((event) => event.usage);
    expect(ends.map((event) => [event.nodeId, event.usage?.cost]).sort()).toEqual([
      ["own", result.nodes.own?.usage?.cost],
      ["shared", result.nodes.shared?.usage?.cost],
    ]);
  });

  it("says which calls had no price rather than pricing them at zero", async () => {
    const engine = createTestEngine(server(), {}, { prices: { currency: "USD", models: {} } });
    const { result } = await runFlow(engine, twoChats(), {
      inputs: { key: KEYS.alice, endpoint: deploymentEndpoint(server(), "unpriced") },
    });
    expect(result.usage.byConnection["shared-foundry"]).toMatchObject({ cost: null, unpricedRequests: 1 });
    expect(result.usage).toMatchObject({ requests: 2, cost: null, currency: "USD", unpricedRequests: 2 });
  });
});

describe("usage the service did not report", () => {
  it("is null with reported: false, in the node's output, its usage, the run's and the connection's", async () => {
    server().addRule({
      fault: { type: "raw-body", body: NO_USAGE_BODY, contentType: "application/json" },
      times: 1,
    });
    const engine = createTestEngine(server(), {}, { prices: { currency: "USD", models: {} } });
    const { result, events } = await runFlow(engine, {
      nodes: [
        {
          id: "quiet",
          type: "chat-completion",
          connection: "shared-foundry",
          inputs: { model: "m", prompt: "a" },
        },
        {
          id: "counted",
          type: "chat-completion",
          connection: "shared-foundry",
          dependsOn: ["quiet"],
          inputs: { model: "m", prompt: "b c" },
        },
      ],
    });
    expect(result.status).toBe("succeeded");
    expect((result.nodes.quiet!.output as { usage: unknown }).usage).toEqual({
      promptTokens: null,
      completionTokens: null,
      totalTokens: null,
    });
    const notReported = {
      requests: 1,
      promptTokens: null,
      completionTokens: null,
      totalTokens: null,
      reported: false,
      unreportedRequests: 1,
      cost: null,
    };
    expect(result.nodes.quiet?.usage).toMatchObject(notReported);
    expect(eventsNamed(events, "node:end").find((event) => event.nodeId === "quiet")?.usage).toMatchObject(
      notReported,
    );
    const counted = server().requests[1]!.usage!;
    expect(result.usage).toMatchObject({
      requests: 2,
      totalTokens: counted.totalTokens,
      reported: false,
      unreportedRequests: 1,
    });
    expect(result.usage.byConnection["shared-foundry"]).toMatchObject({ requests: 2, reported: false });
  });
});

describe("a dynamic connection without a name", () => {
  it("is labelled by its host and a fingerprint of its key, never the key or a piece of it", async () => {
    const key = "CANARY-usage-fingerprint-5b1e0c9a77d2";
    const { startLlmServer } = await import("@weft/testing");
    const own = await startLlmServer({ keys: { own: key } });
    try {
      const engine = createTestEngine(server());
      const run = async (apiKey: string) =>
        (
          await runFlow(
            engine,
            {
              inputs: { key: { type: "secret" } },
              nodes: [
                {
                  id: "connect",
                  type: "create-azure-ai-connection",
                  inputs: { apiKey: "${inputs.key}", endpoint: `${own.url}/models`, variable: "own" },
                },
                {
                  id: "ask",
                  type: "chat-completion",
                  dynamicConnection: "${vars.own}",
                  inputs: { model: "m", prompt: "hi" },
                },
              ],
            },
            { inputs: { key: apiKey } },
          )
        ).result;
      const result = await run(key);
      expect(result.status).toBe("succeeded");
      const [label] = Object.keys(result.usage.byConnection);
      const host = serverHost(own);
      expect(label).toMatch(new RegExp(`^${host.replace(/\./g, "\\.")}#key-[0-9a-f]{8}$`));
      const fingerprint = label!.slice(label!.indexOf("#key-") + 5);
      for (let start = 0; start + 4 <= key.length; start++) {
        expect(fingerprint).not.toContain(key.slice(start, start + 4));
      }
      expect(JSON.stringify(result)).not.toContain(key);
      // Another key on the same endpoint is another identity.
      const other = await run(`${key}-other`);
      expect(Object.keys(other.usage.byConnection)[0]).not.toBe(label);
      void Secret;
    } finally {
      await own.close();
    }
  });
});
