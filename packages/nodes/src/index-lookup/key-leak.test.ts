import { inspect } from "node:util";
import { type FlowDefinition, SECRET_MASK } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  eventsNamed,
  FAST_RETRY,
  type RecordedEvent,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";
import { createSearchEngine } from "../../test-support/search-engine.js";

/** A customer's search key that must never show up anywhere but in the request that needs it. */
const CANARY = "canary-search-4d1e-93b7-c05a";

const server = useLlmServer({ keys: { customer: CANARY, shared: "shared-key-7f3a9c" } });

/** The customer's key arrives as a secret input and goes through a dynamic search connection. */
function customerFlow(index = "handbook"): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
    nodes: [
      {
        id: "connect",
        type: "create-search-connection",
        inputs: {
          apiKey: "${inputs.key}",
          endpoint: "${inputs.endpoint}",
          variable: "search",
          name: "customer",
        },
      },
      {
        id: "lookup",
        type: "index-lookup",
        connection: "shared-search",
        dynamicConnection: "${vars.search}",
        retry: { ...FAST_RETRY, maxAttempts: 2 },
        inputs: { index, query: "keys" },
      },
    ],
    outputs: { results: "${nodes.lookup.output.results}", connection: "${vars.search}" },
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

const run = (key: string, index?: string) =>
  runFlow(createSearchEngine(server()), customerFlow(index), { inputs: { key, endpoint: server().url } });

describe("the customer's search key", () => {
  it("never leaks on success", async () => {
    const { result, events } = await run(CANARY);
    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([{ keyName: "customer", status: 200 }]);
    expect(result.outputs.connection).toMatchObject({ apiKey: SECRET_MASK, name: "customer" });
    expectNoCanary(result, events);
  });

  it("never leaks on a refused key (403)", async () => {
    const { result, events } = await run(`${CANARY}-revoked`);
    expect(result.nodes.lookup?.error?.code).toBe("llm.auth");
    expectNoCanary(result, events);
  });

  it("never leaks on an unknown index or retried failures", async () => {
    const missing = await run(CANARY, "missing");
    expect(missing.result.nodes.lookup?.error?.code).toBe("llm.request");
    expectNoCanary(missing.result, missing.events);
    server().addSearchRule({ fault: { type: "status", status: 503, retryAfterMs: 1 } });
    const retried = await run(CANARY);
    expect(eventsNamed(retried.events, "node:retry")).toHaveLength(1);
    expectNoCanary(retried.result, retried.events);
  });

  it("is masked when the service echoes it, in results and in error messages", async () => {
    server().addSearchRule({
      results: [{ score: 1, document: { id: "x", content: `key ${CANARY} here` } }],
      times: 1,
    });
    const echoed = await run(CANARY);
    expect(JSON.stringify(echoed.result.outputs.results)).toContain(`key ${SECRET_MASK} here`);
    expectNoCanary(echoed.result, echoed.events);
    server().addSearchRule({
      fault: { type: "status", status: 400, message: `Bad key ${CANARY}` },
      times: 1,
    });
    const refused = await run(CANARY);
    expect(refused.result.nodes.lookup?.error?.message).toContain(`Bad key ${SECRET_MASK}`);
    expectNoCanary(refused.result, refused.events);
    server().addSearchRule({ fault: { type: "raw-body", status: 500, body: `upstream said ${CANARY}` } });
    const text = await run(CANARY);
    expect(text.result.nodes.lookup?.error?.message).toContain(`upstream said ${SECRET_MASK}`);
    expectNoCanary(text.result, text.events);
  });
});
