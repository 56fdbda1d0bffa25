import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type FlowDefinition, type FlowNode, Secret } from "@weft/engine";
import type { LlmServer } from "@weft/testing";
import { describe, expect, it } from "vitest";
import {
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  KEYS,
  runFlow,
  serverHost,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";
import type { WebSearchOutput } from "./web-search.js";

const server = useLlmServer();

/** The static SerpAPI connection of the tests, on the offline server. */
function serpConnections(target: LlmServer, extra: Record<string, unknown> = {}) {
  return {
    "shared-serp": { type: "serp", baseUrl: target.url, apiKey: new Secret(KEYS.shared), ...extra },
  };
}

function searchNode(inputs: Record<string, unknown>, node: Partial<FlowNode> = {}): FlowNode {
  return {
    id: "search",
    type: "web-search",
    connection: "shared-serp",
    retry: { ...FAST_RETRY, maxAttempts: 3 },
    inputs,
    ...node,
  } as FlowNode;
}

const flowOf = (...nodes: FlowNode[]): FlowDefinition => ({ nodes });

function outputOf(
  result: { nodes: Record<string, { status: string; output?: unknown } | undefined> },
  id = "search",
) {
  const node = result.nodes[id];
  if (node?.status !== "succeeded") throw new Error(`expected ${id} to succeed, got ${JSON.stringify(node)}`);
  return node.output as WebSearchOutput;
}

describe("web-search", () => {
  it("searches Google by default: 10 results, safe off, the service's JSON and a status", async () => {
    const engine = createTestEngine(server(), serpConnections(server()));
    const { result } = await runFlow(engine, flowOf(searchNode({ query: "rotate api keys" })));
    const output = outputOf(result);
    expect(output.organicResults).toHaveLength(10);
    expect(output.organicResults[0]).toMatchObject({
      position: 1,
      title: "rotate api keys — offline result 1",
      link: "https://example.com/rotate-api-keys/1",
    });
    expect(output.response.search_parameters).toMatchObject({ engine: "google", q: "rotate api keys" });
    expect(output.status).toEqual({ code: 200, search: "Success", id: expect.any(String) });
    expect(output.connection).toEqual({ source: "static", host: serverHost(server()), name: "shared-serp" });
    expect(server().requests).toMatchObject([
      {
        method: "GET",
        path: "/search",
        route: "serp-search",
        auth: "query",
        keyName: "shared",
        status: 200,
        serp: { engine: "google", query: "rotate api keys", num: 10, safe: "off" },
      },
    ]);
  });

  it("maps Bing's parameters as promptflow does: count, and safeSearch strict", async () => {
    const engine = createTestEngine(server(), serpConnections(server()));
    const { result } = await runFlow(
      engine,
      flowOf(searchNode({ query: "weft", engine: "bing", num: 3, safe: "active", location: "Oslo" })),
    );
    expect(outputOf(result).organicResults).toHaveLength(3);
    expect(server().requests[0]?.serp).toEqual({
      engine: "bing",
      query: "weft",
      num: 3,
      location: "Oslo",
      safe: "strict",
      keyName: "shared",
    });
  });

  it("sends the parameters the serpapi client sends (test/wire-fixtures/serp-search-google.json)", async () => {
    const fixture = JSON.parse(
      readFileSync(
        new URL("../../../../test/wire-fixtures/serp-search-google.json", import.meta.url),
        "utf8",
      ),
    ) as { request: { path: string; query: Record<string, string> } };
    const seen: string[] = [];
    const recorder = createServer((req, res) => {
      seen.push(req.url ?? "");
      res
        .writeHead(200, { "content-type": "application/json" })
        .end('{"search_metadata":{"status":"Success"}}');
    });
    await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
    try {
      const port = (recorder.address() as AddressInfo).port;
      const engine = createTestEngine(server(), {
        recorder: { type: "serp", baseUrl: `http://127.0.0.1:${port}/`, apiKey: new Secret(KEYS.shared) },
      });
      const { query } = fixture.request;
      const { result } = await runFlow(
        engine,
        flowOf(
          searchNode(
            { query: query.q, num: Number(query.num), location: query.location, safe: query.safe },
            { connection: "recorder" },
          ),
        ),
      );
      expect(outputOf(result).organicResults).toEqual([]);
      const url = new URL(seen[0] ?? "", "http://x");
      expect(url.pathname).toBe(fixture.request.path);
      const { source: _, ...expected } = { ...query, api_key: KEYS.shared };
      expect(Object.fromEntries(url.searchParams)).toEqual(expected);
    } finally {
      await new Promise((resolve) => recorder.close(resolve));
    }
  });

  it("gives scripted results, and says why when there are none", async () => {
    server().addRule({ match: { query: "nothing" }, results: [] });
    server().addRule({ results: [{ title: "Only one", link: "https://example.com/one" }] });
    const engine = createTestEngine(server(), serpConnections(server()));
    const { result } = await runFlow(
      engine,
      flowOf(searchNode({ query: "nothing" }), searchNode({ query: "something" }, { id: "other" })),
    );
    expect(outputOf(result).organicResults).toEqual([]);
    expect(outputOf(result).status.message).toBe("Google hasn't returned any results for this query.");
    expect(outputOf(result, "other").organicResults).toEqual([
      { position: 1, title: "Only one", link: "https://example.com/one" },
    ]);
  });

  it("refuses bad literal inputs before anything runs", () => {
    const engine = createTestEngine(server(), serpConnections(server()));
    const issues = engine.validate(flowOf(searchNode({ query: "x", engine: "yahoo", num: 0, safe: "on" })));
    expect(issues.map((issue) => issue.path)).toEqual([
      "nodes[0].inputs.engine",
      "nodes[0].inputs.num",
      "nodes[0].inputs.safe",
    ]);
    expect(
      engine.validate(flowOf({ ...searchNode({ query: "x" }), connection: undefined } as FlowNode)),
    ).toEqual([expect.objectContaining({ code: "flow.connection-missing" })]);
  });

  it("refuses a connection of another kind", async () => {
    const engine = createTestEngine(server(), serpConnections(server()));
    const { result } = await runFlow(
      engine,
      flowOf(searchNode({ query: "x" }, { connection: "shared-foundry" })),
    );
    expect(result.error).toMatchObject({ code: "connection.invalid", nodeId: "search" });
    expect(result.error?.message).toContain("web-search needs a serp connection, got a azure-ai one");
  });
});

describe("web-search: faults, retries and limits", () => {
  const cases = [
    { fault: { type: "status", status: 429, retryAfterMs: 1 }, code: "llm.rate-limited" },
    { fault: { type: "status", status: 500 }, code: "llm.server" },
    { fault: { type: "status", status: 503, retryAfter: 0 }, code: "llm.server" },
    { fault: { type: "drop" }, code: "llm.network" },
    { fault: { type: "stream-cut", afterChunks: 0 }, code: "llm.network" },
    { fault: { type: "malformed-json" }, code: "llm.response" },
    { fault: { type: "raw-body", status: 502, body: "Bad gateway" }, code: "llm.server" },
  ] as const;

  it.each(cases)("retries $fault.type ($code) and then succeeds", async ({ fault, code }) => {
    server().addRule({ fault, times: 2 });
    const engine = createTestEngine(server(), serpConnections(server()));
    const { result, events } = await runFlow(engine, flowOf(searchNode({ query: "retry me" })));
    expect(result.status).toBe("succeeded");
    expect(result.nodes.search?.attempts).toBe(3);
    expect(eventsNamed(events, "node:retry").map((event) => event.error.code)).toEqual([code, code]);
    expect(server().requests.map((request) => request.fault)).toEqual([fault.type, fault.type, undefined]);
  });

  it("fails with llm.auth on a wrong key, without retrying, quoting SerpAPI's message", async () => {
    const engine = createTestEngine(server(), {
      "shared-serp": { type: "serp", baseUrl: server().url, apiKey: new Secret("wrong-serp-key-1234") },
    });
    const { result } = await runFlow(engine, flowOf(searchNode({ query: "x" })));
    expect(result.error).toMatchObject({ code: "llm.auth", status: 401, nodeId: "search" });
    expect(result.error?.message).toContain("answered 401: Invalid API key.");
    expect(result.nodes.search?.attempts).toBe(1);
  });

  it("keeps a 400 (a search SerpAPI refuses) as a request error, not retried", async () => {
    server().addRule({
      fault: { type: "status", status: 400, message: "Unsupported `location` parameter." },
    });
    const engine = createTestEngine(server(), serpConnections(server()));
    const { result } = await runFlow(engine, flowOf(searchNode({ query: "x" })));
    expect(result.error).toMatchObject({ code: "llm.request", status: 400 });
    expect(result.error?.message).toContain("Unsupported `location` parameter.");
    expect(result.nodes.search?.attempts).toBe(1);
  });

  it.each([
    { status: 200, declareLength: false },
    { status: 500, declareLength: false },
    { status: 503, declareLength: true },
  ])(
    "stops reading a $status body past maxResponseBytes (declared length: $declareLength), not retried",
    async ({ status, declareLength }) => {
      const bytes = 50_000_000;
      server().addRule({ fault: { type: "huge-body", bytes, status, declareLength } });
      const engine = createTestEngine(server(), serpConnections(server()), { maxResponseBytes: 100_000 });
      const { result } = await runFlow(engine, flowOf(searchNode({ query: "x" })));
      expect(result.error).toMatchObject({ code: "llm.response-too-large", status });
      expect(result.nodes.search?.attempts).toBe(1);
      await waitUntil(() => server().requests[0]?.durationMs !== 0, { what: "the body to be abandoned" });
      expect(server().requests[0]?.bodyBytesSent).toBeLessThan(bytes);
    },
  );

  it("ends a hung request at the request deadline and retries it (node.timeout)", async () => {
    server().addRule({ fault: { type: "hang" }, times: 1 });
    // The first search hangs, so its deadline fires whatever its length; the retry must be answered
    // within it, which a second allows on a loaded machine.
    const engine = createTestEngine(server(), serpConnections(server()), { requestTimeoutMs: 1_000 });
    const { result, events } = await runFlow(engine, flowOf(searchNode({ query: "x" })));
    expect(result.status).toBe("succeeded");
    expect(eventsNamed(events, "node:retry").map((event) => event.error.code)).toEqual(["node.timeout"]);
  });

  it("is cancelled with the run: the request is abandoned, nothing is retried", async () => {
    server().addRule({ fault: { type: "hang" } });
    const engine = createTestEngine(server(), serpConnections(server()));
    const abort = new AbortController();
    const handle = engine.run(flowOf(searchNode({ query: "x" })), { signal: abort.signal });
    await waitUntil(() => server().requests.length === 1, { what: "the search to arrive" });
    abort.abort();
    const result = await handle;
    expect(result.status).toBe("cancelled");
    expect(result.nodes.search?.attempts).toBe(1);
    await waitUntil(() => server().requests[0]?.durationMs !== 0, {
      what: "the server to see the client go",
    });
    expect(server().requests).toHaveLength(1);
  });

  it("holds a connection's maxConcurrency across parallel searches", async () => {
    // Answers slow enough that two searches are in flight at once even on a loaded machine.
    server().addRule({ delayMs: 300, results: [] });
    const engine = createTestEngine(server(), serpConnections(server(), { maxConcurrency: 2 }));
    const nodes = Array.from({ length: 5 }, (_, index) =>
      searchNode({ query: `q${index}` }, { id: `s${index}` }),
    );
    const { result } = await runFlow(engine, flowOf(...nodes));
    expect(result.status).toBe("succeeded");
    expect(server().stats()).toMatchObject({ total: 5, maxConcurrencyByKey: { shared: 2 } });
  });
});
