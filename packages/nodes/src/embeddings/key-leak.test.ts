import { inspect } from "node:util";
import { type FlowDefinition, SECRET_MASK } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  type RecordedEvent,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";

/** A customer's key that must never show up anywhere but in the request that needs it. */
const CANARY = "canary-embed-4e1d-9a7b-c2f3";

const server = useLlmServer({ keys: { customer: CANARY } });

/**
 * The key arrives as a secret input and goes through a dynamic connection of `type` (serverless
 * built by declare-variable, or an Azure OpenAI resource URL built by create-azure-ai-connection),
 * then into an embeddings node and a chat node.
 */
function customerFlow(type: "serverless" | "azure-resource"): FlowDefinition {
  const connect =
    type === "serverless"
      ? {
          id: "connect",
          type: "declare-variable",
          inputs: {
            name: "conn",
            value: { type: "serverless", endpoint: "${inputs.endpoint}", apiKey: "${inputs.key}" },
          },
        }
      : {
          id: "connect",
          type: "create-azure-ai-connection",
          inputs: { apiKey: "${inputs.key}", endpoint: "${inputs.endpoint}", variable: "conn" },
        };
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
    nodes: [
      connect,
      {
        id: "embed",
        type: "embeddings",
        dynamicConnection: "${vars.conn}",
        retry: { ...FAST_RETRY, maxAttempts: 2 },
        inputs: { model: "emb", input: ["Hello", "again"] },
      },
      {
        id: "answer",
        type: "chat-completion",
        dynamicConnection: "${vars.conn}",
        dependsOn: ["embed"],
        retry: { ...FAST_RETRY, maxAttempts: 2 },
        inputs: { model: "gpt-4o-mini", prompt: "Hello", stream: true },
      },
    ],
    outputs: {
      vectors: "${nodes.embed.output}",
      answer: "${nodes.answer.output}",
      connection: "${vars.conn}",
    },
  };
}

function expectNoCanary(result: unknown, events: readonly RecordedEvent[]): void {
  for (const [what, text] of [
    ["result", JSON.stringify(result)],
    ["inspected result", inspect(result, { depth: null, showHidden: true })],
    ["events", JSON.stringify(events)],
    ["inspected events", inspect(events, { depth: null, showHidden: true })],
    ["request log", JSON.stringify(server().requests)],
  ] as const) {
    expect(text.includes(CANARY), `${what} holds the key`).toBe(false);
  }
  const names = new Set(events.map((recorded) => recorded.name));
  for (const name of ["run:start", "node:start", "node:end", "run:end"] as const)
    expect(names).toContain(name);
}

describe.each(["serverless", "azure-resource"] as const)(
  "the customer's key through a %s connection",
  (type) => {
    const inputs = (key: string) => ({
      key,
      endpoint: type === "serverless" ? server().url : `${server().url}/`,
    });

    it("never leaks on success", async () => {
      const { result, events } = await runFlow(createTestEngine(server()), customerFlow(type), {
        inputs: inputs(CANARY),
      });

      expect(result.status).toBe("succeeded");
      expect(server().requests).toMatchObject([
        { keyName: "customer", status: 200, inputs: 2 },
        { keyName: "customer", status: 200, stream: true },
      ]);
      expect(result.outputs.connection).toMatchObject({ apiKey: SECRET_MASK });
      expectNoCanary(result, events);
    });

    it("never leaks on a 401", async () => {
      const { result, events } = await runFlow(createTestEngine(server()), customerFlow(type), {
        inputs: inputs(`${CANARY}-revoked`),
      });

      expect(result.nodes.embed?.error?.code).toBe("llm.auth");
      expectNoCanary(result, events);
    });

    it("never leaks on retried failures, nor when the service quotes the key", async () => {
      server().addRule({
        fault: { type: "status", status: 503, retryAfterMs: 1, message: `Busy for ${CANARY}` },
      });
      const { result, events } = await runFlow(createTestEngine(server()), customerFlow(type), {
        inputs: inputs(CANARY),
      });

      expect(result.nodes.embed?.error).toMatchObject({ code: "llm.server" });
      expect(result.nodes.embed?.error?.message).toContain(`Busy for ${SECRET_MASK}`);
      expect(eventsNamed(events, "node:retry")).toHaveLength(1);
      expectNoCanary(result, events);
    });
  },
);
