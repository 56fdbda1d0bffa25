import { inspect } from "node:util";
import { type FlowDefinition, SECRET_MASK } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  deploymentEndpoint,
  eventsNamed,
  FAST_RETRY,
  foundryEndpoint,
  type RecordedEvent,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";

/** A customer's key that must never show up anywhere but in the request that needs it. */
const CANARY = "canary-9c41-5e7f-b2d8-0a63";

// The canary is a valid key on this server (named "customer"); the other test uses a key it refuses.
const server = useLlmServer({ keys: { customer: CANARY } });

/** The customer flow: the key arrives as a secret input and goes through a dynamic connection. */
function customerFlow(stream: boolean): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
    nodes: [
      {
        id: "connect",
        type: "create-azure-ai-connection",
        inputs: {
          apiKey: "${inputs.key}",
          endpoint: "${inputs.endpoint}",
          variable: "conn",
          name: "customer",
        },
      },
      {
        id: "answer",
        type: "chat-completion",
        dynamicConnection: "${vars.conn}",
        retry: { ...FAST_RETRY, maxAttempts: 2 },
        inputs: { model: "gpt-4o-mini", prompt: "Hello", stream, resultVariable: "answer" },
      },
    ],
    outputs: { answer: "${vars.answer}", connection: "${vars.conn}" },
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
  // Every kind of event was seen, so the check above covered them.
  const names = new Set(events.map((recorded) => recorded.name));
  for (const name of ["run:start", "node:start", "node:end", "run:end"] as const)
    expect(names).toContain(name);
}

const endpoints = [
  { kind: "Foundry", endpoint: () => foundryEndpoint(server()) },
  { kind: "deployment URL", endpoint: () => deploymentEndpoint(server()) },
];

describe.each(endpoints)("the customer's key through a $kind connection", ({ endpoint }) => {
  it.each([false, true])("never leaks on success (stream: %s)", async (stream) => {
    const { result, events } = await runFlow(createTestEngine(server()), customerFlow(stream), {
      inputs: { key: CANARY, endpoint: endpoint() },
    });

    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([{ keyName: "customer", status: 200 }]);
    expect(result.outputs.connection).toMatchObject({ apiKey: SECRET_MASK, name: "customer" });
    if (stream) expect(eventsNamed(events, "node:token").length).toBeGreaterThan(0);
    expectNoCanary(result, events);
  });

  it("never leaks on a 401", async () => {
    const refused = `${CANARY}-revoked`;
    const { result, events } = await runFlow(createTestEngine(server()), customerFlow(false), {
      inputs: { key: refused, endpoint: endpoint() },
    });

    expect(result.status).toBe("failed");
    expect(result.nodes.answer?.error?.code).toBe("llm.auth");
    expect(server().requests).toMatchObject([{ status: 401 }]);
    expect(server().requests[0]?.keyName).toBeUndefined();
    expectNoCanary(result, events);
  });

  it("never leaks on retried failures", async () => {
    server().addRule({ fault: { type: "status", status: 503, retryAfterMs: 1 } });
    const { result, events } = await runFlow(createTestEngine(server()), customerFlow(true), {
      inputs: { key: CANARY, endpoint: endpoint() },
    });

    expect(result.nodes.answer?.error?.code).toBe("llm.server");
    expect(eventsNamed(events, "node:retry")).toHaveLength(1);
    expectNoCanary(result, events);
  });
});

describe("scrubbing what a service sends back", () => {
  it("masks the key when a service echoes it in the answer, in outputs and in streamed tokens", async () => {
    server().addRule({ reply: `Your key is ${CANARY}, keep it safe.` });
    const { result, events } = await runFlow(createTestEngine(server()), customerFlow(true), {
      inputs: { key: CANARY, endpoint: foundryEndpoint(server()) },
    });

    expect(result.status).toBe("succeeded");
    expect(result.outputs.answer).toBe(`Your key is ${SECRET_MASK}, keep it safe.`);
    expectNoCanary(result, events);
  });

  it("masks the key when a service echoes it in an error message", async () => {
    server().addRule({ fault: { type: "status", status: 400, message: `Bad key ${CANARY}` } });
    const { result, events } = await runFlow(createTestEngine(server()), customerFlow(false), {
      inputs: { key: CANARY, endpoint: deploymentEndpoint(server()) },
    });

    expect(result.nodes.answer?.error?.message).toContain(`Bad key ${SECRET_MASK}`);
    expectNoCanary(result, events);
  });
});
