import { inspect } from "node:util";
import { type FlowDefinition, SECRET_MASK, Secret } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  type RecordedEvent,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";
import { testContentSafetyConnection } from "../connection-kinds/azure-content-safety/test-connection.js";

/** A customer's Content Safety key that must never show up anywhere but in the request that needs it. */
const CANARY = "canary-cs-7e21-4b9d-a0f3";

const server = useLlmServer({ keys: { customer: CANARY } });

/** The key arrives as a secret input and goes through a dynamic connection. */
const customerFlow: FlowDefinition = {
  inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
  nodes: [
    {
      id: "connect",
      type: "declare-variable",
      inputs: {
        name: "conn",
        value: {
          type: "azure-content-safety",
          endpoint: "${inputs.endpoint}",
          apiKey: "${inputs.key}",
          name: "customer",
        },
      },
    },
    {
      id: "moderate",
      type: "content-safety-text",
      dynamicConnection: "${vars.conn}",
      retry: { ...FAST_RETRY, maxAttempts: 2 },
      inputs: { text: "hate:4 and a question" },
    },
  ],
  outputs: { moderation: "${nodes.moderate.output}", connection: "${vars.conn}" },
};

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

const run = (key: string) =>
  runFlow(createTestEngine(server()), customerFlow, { inputs: { key, endpoint: server().url } });

describe("the customer's Content Safety key", () => {
  it("never leaks on success", async () => {
    const { result, events } = await run(CANARY);

    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([{ keyName: "customer", status: 200 }]);
    expect(result.outputs.connection).toMatchObject({ apiKey: SECRET_MASK, name: "customer" });
    expectNoCanary(result, events);
  });

  it("never leaks on a 401", async () => {
    const { result, events } = await run(`${CANARY}-revoked`);

    expect(result.nodes.moderate?.error?.code).toBe("llm.auth");
    expect(server().requests).toMatchObject([{ status: 401 }]);
    expectNoCanary(result, events);
  });

  it("never leaks on retried failures and dropped connections", async () => {
    server().addContentSafetyRule({ fault: { type: "status", status: 503, retryAfterMs: 1 }, times: 1 });
    server().addContentSafetyRule({ fault: { type: "drop" } });
    const { result, events } = await run(CANARY);

    expect(result.nodes.moderate?.error?.code).toBe("llm.network");
    expect(eventsNamed(events, "node:retry")).toHaveLength(1);
    expectNoCanary(result, events);
  });

  it("is masked when the service echoes it, in errors and in blocklist matches", async () => {
    server().addContentSafetyRule({
      analysis: {
        categoriesAnalysis: [{ category: "Hate", severity: 0 }],
        blocklistsMatch: [{ blocklistName: "keys", blocklistItemId: "1", blocklistItemText: CANARY }],
      },
      times: 1,
    });
    const echoed = await run(CANARY);
    expect(echoed.result.outputs.moderation).toMatchObject({
      suggestedAction: "Reject",
      blocklistMatches: [{ blocklistItemText: SECRET_MASK }],
    });
    expectNoCanary(echoed.result, echoed.events);

    server().reset();
    server().addContentSafetyRule({ fault: { type: "status", status: 400, message: `Bad key ${CANARY}` } });
    const refused = await run(CANARY);
    expect(refused.result.nodes.moderate?.error?.message).toContain(`Bad key ${SECRET_MASK}`);
    expectNoCanary(refused.result, refused.events);
  });

  it("never leaks from weft connection test", async () => {
    const connection = {
      type: "azure-content-safety",
      endpoint: server().url,
      apiKey: new Secret(`${CANARY}-x`),
    };
    const refused = await testContentSafetyConnection(connection);
    expect(refused.outcome).toBe("auth-failed");
    expect(JSON.stringify(refused)).not.toContain(CANARY);
    expect(inspect(connection, { depth: null, showHidden: true })).not.toContain(CANARY);
  });
});
