import type { FlowDefinition } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  eventsNamed,
  foundryEndpoint,
  KEYS,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";

const server = useLlmServer();

/** The README's flow: a customer's own connection overriding a static one; no `stream` on the node. */
function readmeFlow(stream?: boolean): FlowDefinition {
  return {
    inputs: {
      question: { type: "string" },
      customerKey: { type: "secret" },
      customerEndpoint: { type: "string" },
    },
    nodes: [
      {
        id: "customer-connection",
        type: "create-azure-ai-connection",
        inputs: {
          apiKey: "${inputs.customerKey}",
          endpoint: "${inputs.customerEndpoint}",
          variable: "customerConnection",
        },
      },
      {
        id: "answer",
        type: "chat-completion",
        connection: "shared-foundry",
        dynamicConnection: "${vars.customerConnection}",
        inputs: {
          model: "gpt-4o-mini",
          system: "Answer briefly.",
          prompt: "${inputs.question}",
          ...(stream === undefined ? {} : { stream }),
        },
      },
    ],
    outputs: { answer: "${nodes.answer.output.content}" },
  };
}

describe("RunOptions.stream with chat completions", () => {
  const inputs = () => ({
    question: "Hi there",
    customerKey: KEYS.alice,
    customerEndpoint: foundryEndpoint(server()),
  });

  it("streams a chat node that does not ask for it, so node:token fires for the README's example", async () => {
    server().addRule({ reply: "one two three four" });
    const { result, events } = await runFlow(createTestEngine(server()), readmeFlow(), {
      inputs: inputs(),
      stream: true,
    });
    expect(result.status, JSON.stringify(result.error)).toBe("succeeded");
    const tokens = eventsNamed(events, "node:token");
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((event) => event.token).join("")).toBe(result.outputs.answer);
    expect(server().requests).toMatchObject([{ route: "foundry-models", stream: true, status: 200 }]);
  });

  it("does not stream without it", async () => {
    const { result, events } = await runFlow(createTestEngine(server()), readmeFlow(), { inputs: inputs() });
    expect(result.status).toBe("succeeded");
    expect(eventsNamed(events, "node:token")).toEqual([]);
    expect(server().requests).toMatchObject([{ stream: false }]);
  });

  it('leaves a node that says "stream": false unstreamed', async () => {
    const { result, events } = await runFlow(createTestEngine(server()), readmeFlow(false), {
      inputs: inputs(),
      stream: true,
    });
    expect(result.status).toBe("succeeded");
    expect(eventsNamed(events, "node:token")).toEqual([]);
    expect(server().requests).toMatchObject([{ stream: false }]);
  });
});
