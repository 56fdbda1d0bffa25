import type { EngineOptions, FlowDefinition } from "@weft/engine";
import type { Fault } from "@weft/testing";
import { describe, expect, it } from "vitest";
import {
  eventsNamed,
  FAST_RETRY,
  recordEvents,
  runFlow,
  serverHost,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";
import { createSearchEngine, lookupOutput } from "../../test-support/search-engine.js";

const server = useLlmServer();

function flow(node: Record<string, unknown> = {}, index = "handbook"): FlowDefinition {
  return {
    nodes: [
      {
        id: "lookup",
        type: "index-lookup",
        connection: "shared-search",
        retry: { ...FAST_RETRY },
        inputs: { index, query: "quota" },
        ...node,
      },
    ],
  };
}

async function runWith(fault: Fault | undefined, options: Partial<EngineOptions> = {}, times?: number) {
  if (fault) server().addSearchRule({ fault, ...(times === undefined ? {} : { times }) });
  return runFlow(createSearchEngine(server(), {}, options), flow());
}

describe("index-lookup against a failing search service", () => {
  it("retries a 429 after the service's retry-after-ms, then succeeds", async () => {
    const { result, events } = await runWith({ type: "status", status: 429, retryAfterMs: 3 }, {}, 1);
    expect(lookupOutput(result, "lookup").results.length).toBeGreaterThan(0);
    expect(result.nodes.lookup?.attempts).toBe(2);
    expect(eventsNamed(events, "node:retry")).toMatchObject([
      { delayMs: 3, error: { code: "llm.rate-limited" } },
    ]);
    expect(server().requests.map((request) => request.status)).toEqual([429, 200]);
  });

  it("retries 503s (the service's throttling) up to the node's attempts, then fails with the service's message", async () => {
    const { result } = await runWith({ type: "status", status: 503, retryAfter: 0 });
    expect(result.status).toBe("failed");
    expect(result.nodes.lookup?.attempts).toBe(4);
    expect(result.nodes.lookup?.error).toMatchObject({ code: "llm.server", status: 503 });
    expect(result.nodes.lookup?.error?.message).toBe(
      `${serverHost(server())} answered 503: You are sending too many requests. Please try again later.`,
    );
  });

  it("does not retry a 400, and says what the service said", async () => {
    const { result } = await runWith({ type: "status", status: 400, message: "Invalid expression: bad." });
    expect(result.nodes.lookup?.attempts).toBe(1);
    expect(result.nodes.lookup?.error).toMatchObject({ code: "llm.request", status: 400 });
    expect(result.nodes.lookup?.error?.message).toContain("Invalid expression: bad.");
  });

  it("reports an unknown index with the service's 404, not retried", async () => {
    const { result } = await runFlow(createSearchEngine(server()), flow({}, "nope"));
    expect(result.nodes.lookup?.attempts).toBe(1);
    expect(result.nodes.lookup?.error).toMatchObject({ code: "llm.request", status: 404 });
    expect(result.nodes.lookup?.error?.message).toBe(
      `${serverHost(server())} answered 404: The index 'nope' for service 'offline' was not found. (check the index name and the connection's endpoint)`,
    );
  });

  it("reports a filter the service refuses as its 400", async () => {
    const { result } = await runFlow(
      createSearchEngine(server()),
      flow({ inputs: { index: "handbook", query: "quota", filter: "search.ismatch('x')" } }),
    );
    expect(result.nodes.lookup?.error).toMatchObject({ code: "llm.request", status: 400 });
    expect(result.nodes.lookup?.error?.message).toContain("Invalid expression");
  });

  it("reports a refused key as llm.auth, not retried", async () => {
    const engine = createSearchEngine(server(), {
      "shared-search": {
        type: "azure-ai-search",
        endpoint: server().url,
        apiKey: new (await import("@weft/engine")).Secret("not-a-known-key-123"),
      },
    });
    const { result } = await runFlow(engine, flow());
    expect(result.nodes.lookup?.attempts).toBe(1);
    expect(result.nodes.lookup?.error).toMatchObject({ code: "llm.auth", status: 403 });
    expect(result.nodes.lookup?.error?.message).toBe(
      `${serverHost(server())} answered 403: access denied (check the connection's API key)`,
    );
    expect(server().requests).toMatchObject([{ status: 403, route: "search" }]);
  });

  it("retries a dropped connection, then succeeds", async () => {
    const { result } = await runWith({ type: "drop" }, {}, 1);
    expect(result.status).toBe("succeeded");
    expect(result.nodes.lookup?.attempts).toBe(2);
  });

  it("fails with llm.network once every attempt was dropped", async () => {
    const { result } = await runWith({ type: "drop" });
    expect(result.nodes.lookup?.error?.code).toBe("llm.network");
    expect(result.nodes.lookup?.attempts).toBe(4);
  });

  it("retries a malformed JSON answer, then succeeds", async () => {
    const { result, events } = await runWith({ type: "malformed-json" }, {}, 1);
    expect(result.status).toBe("succeeded");
    expect(eventsNamed(events, "node:retry")[0]?.error.message).toMatch(
      new RegExp(`^${serverHost(server()).replace(/\./g, "\\.")} sent a malformed response`),
    );
  });

  it("fails without retrying when a 200 is not search results", async () => {
    const { result } = await runWith({ type: "raw-body", body: "null", contentType: "application/json" });
    expect(result.nodes.lookup?.error?.code).toBe("llm.response");
    expect(result.nodes.lookup?.attempts).toBe(1);
  });

  it("reads a text error page into the message, cut short", async () => {
    const { result } = await runWith({
      type: "raw-body",
      status: 502,
      body: `Bad gateway ${"z".repeat(5000)}`,
    });
    expect(result.nodes.lookup?.error).toMatchObject({ code: "llm.server", status: 502 });
    expect(result.nodes.lookup?.error?.message.length).toBeLessThan(500);
  });

  it.each([
    [200, false],
    [200, true],
    [500, false],
  ])(
    "stops reading a huge body (status %i, length declared: %s) at maxResponseBytes",
    async (status, declareLength) => {
      const { result } = await runWith(
        { type: "huge-body", bytes: 4 * 1024 * 1024, status, declareLength },
        { maxResponseBytes: 64 * 1024 },
      );
      expect(result.nodes.lookup?.error).toMatchObject({ code: "llm.response-too-large" });
      expect(result.nodes.lookup?.attempts).toBe(1);
      await waitUntil(() => server().requests[0]?.durationMs !== 0 || server().requests[0]?.status !== 0);
      expect(server().requests[0]?.bodyBytesSent ?? 0).toBeLessThan(4 * 1024 * 1024);
    },
  );

  it("gives up on a hung request at the request deadline, and retries it", async () => {
    // The service never answers: each deadline fires whatever its length, and 600 ms let a loaded
    // machine deliver every attempt first, which the server's log counts.
    const { result } = await runWith({ type: "hang" }, { requestTimeoutMs: 600 });
    expect(result.nodes.lookup?.error?.code).toBe("node.timeout");
    expect(result.nodes.lookup?.attempts).toBe(4);
    expect(server().requests).toHaveLength(4);
  });

  it("ends cancelled when the run is cancelled while the service hangs", async () => {
    server().addSearchRule({ fault: { type: "hang" } });
    const handle = createSearchEngine(server()).run(flow());
    const events = recordEvents(handle);
    await waitUntil(() => server().requests.length === 1, { what: "the search request" });
    handle.cancel();
    const result = await handle;
    expect(result.status).toBe("cancelled");
    expect(result.nodes.lookup).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(eventsNamed(events, "node:retry")).toHaveLength(0);
    // The client closed its socket: the server saw the request end without an answer.
    await waitUntil(() => server().requests[0]?.durationMs !== undefined && server().stats().total === 1);
    expect(server().requests[0]?.status).toBe(0);
  });

  it("holds each connection's maxConcurrency across lookups", async () => {
    // Answers slow enough that two lookups are in flight at once even on a loaded machine.
    server().addSearchRule({ results: [{ score: 1, document: { id: "x" } }], delayMs: 300 });
    const engine = createSearchEngine(server(), {
      "shared-search": {
        type: "azure-ai-search",
        endpoint: server().url,
        apiKey: new (await import("@weft/engine")).Secret("shared-key-7f3a9c"),
        maxConcurrency: 2,
      },
    });
    const lookups: FlowDefinition = {
      nodes: Array.from({ length: 6 }, (_, at) => ({
        id: `lookup${at}`,
        type: "index-lookup",
        connection: "shared-search",
        inputs: { index: "handbook", query: `q${at}` },
      })),
    };
    const { result } = await runFlow(engine, lookups);
    expect(result.status).toBe("succeeded");
    expect(server().stats().maxConcurrency).toBe(2);
  });
});
