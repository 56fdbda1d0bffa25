import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { inspect } from "node:util";
import { type FlowDefinition, type RunResult, Secret } from "@weft/engine";
import type { Rule } from "@weft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestEngine,
  type RecordedEvent,
  runFlow,
  useLlmServer,
} from "../../test-support/offline-engine.js";

/** The customer's SerpAPI key: it travels in the query string, and must show up nowhere else. */
const CANARY = "serp-canary-6d1f-93ab-e07c";
const server = useLlmServer({ keys: { customer: CANARY } });

/** A server that answers every request with a redirect to a URL holding the key, as a broken proxy might. */
const redirector = createHttpServer((req, res) => {
  res.writeHead(302, { location: `https://elsewhere.example.com${req.url ?? "/"}` }).end(`Moved: ${req.url}`);
});
let redirectorUrl = "";
let closedUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
  redirectorUrl = `http://127.0.0.1:${(redirector.address() as { port: number }).port}`;
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => new Promise((resolve) => redirector.close(resolve)));

type Path = "static" | "dynamic";

/** The search on the customer's key: a stored connection, or one built from a secret input. */
function searchFlow(path: Path): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, base: { type: "string" } },
    nodes: [
      ...(path === "dynamic"
        ? [
            {
              id: "connect",
              type: "create-connection",
              inputs: { type: "serp", apiKey: "${inputs.key}", baseUrl: "${inputs.base}", variable: "serp" },
            },
          ]
        : []),
      {
        id: "search",
        type: "web-search",
        ...(path === "dynamic" ? { dynamicConnection: "${vars.serp}" } : { connection: "customer-serp" }),
        retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
        inputs: { query: "where is my key" },
      },
    ],
    outputs: { results: "${nodes.search.output}" },
  };
}

async function search(path: Path, base: string, options: { requestTimeoutMs?: number } = {}) {
  const engine = createTestEngine(
    server(),
    { "customer-serp": { type: "serp", baseUrl: base, apiKey: new Secret(CANARY) } },
    options,
  );
  return runFlow(engine, searchFlow(path), { inputs: { key: CANARY, base } });
}

/** Every form a leak could take: whole, halves, URL-encoded, base64 and hex. */
const FORMS = [
  CANARY,
  CANARY.slice(0, 13),
  CANARY.slice(-13),
  encodeURIComponent(CANARY),
  Buffer.from(CANARY).toString("base64").slice(0, 24),
  Buffer.from(CANARY).toString("hex"),
];

function expectNoCanary(result: RunResult, events: readonly RecordedEvent[]): void {
  for (const [what, text] of [
    ["result", JSON.stringify(result)],
    ["inspected result", inspect(result, { depth: null, showHidden: true })],
    ["events", JSON.stringify(events)],
    ["inspected events", inspect(events, { depth: null })],
    ["request log", JSON.stringify(server().requests)],
  ] as const) {
    for (const form of FORMS) expect(text.includes(form), `${what} holds the key (${form})`).toBe(false);
  }
  const names = new Set(events.map((recorded) => recorded.name));
  for (const name of ["run:start", "node:start", "node:end", "run:end"] as const)
    expect(names).toContain(name);
}

const urlWithKey = () => `${server().url}/search?engine=google&q=x&api_key=${CANARY}&output=json`;

/** Services that fail and say so with the URL (and so the key) in what they send back. */
const FAILURES: ReadonlyArray<{ name: string; rule: () => Rule; code: string; status?: number }> = [
  {
    name: "a 401 whose message echoes the URL",
    rule: () => ({ fault: { type: "status", status: 401, message: `Invalid API key for ${urlWithKey()}` } }),
    code: "llm.auth",
    status: 401,
  },
  {
    name: "a 400 whose message echoes the key alone",
    rule: () => ({ fault: { type: "status", status: 400, message: `Key ${CANARY} cannot search` } }),
    code: "llm.request",
    status: 400,
  },
  {
    name: "a 500 text page that echoes the URL",
    rule: () => ({ fault: { type: "raw-body", status: 500, body: `upstream failed: GET ${urlWithKey()}` } }),
    code: "llm.server",
    status: 500,
  },
  {
    name: "a 503 JSON body with the URL-encoded key",
    rule: () => ({
      fault: { type: "raw-body", status: 503, body: `{"error":"retry ${encodeURIComponent(urlWithKey())}"}` },
    }),
    code: "llm.server",
    status: 503,
  },
  { name: "a dropped socket", rule: () => ({ fault: { type: "drop" } }), code: "llm.network" },
  {
    name: "a body cut short",
    rule: () => ({ fault: { type: "stream-cut", afterChunks: 0 } }),
    code: "llm.network",
  },
];

describe.each(["static", "dynamic"] as const)("the SerpAPI key through a %s connection", (path) => {
  it("never leaks on success, even when the results quote it", async () => {
    server().addRule({
      results: [{ title: `Your key is ${CANARY}`, link: `https://example.com/?api_key=${CANARY}` }],
    });
    const { result, events } = await search(path, server().url);
    expect(result.status).toBe("succeeded");
    expect(server().requests).toMatchObject([{ keyName: "customer", status: 200 }]);
    // The masks show the run had something to scrub.
    expect(JSON.stringify(result.outputs)).toContain("Your key is ***");
    expect(JSON.stringify(result.outputs)).toContain("api_key=***");
    expectNoCanary(result, events);
  });

  it.each(FAILURES)("never leaks on $name", async ({ rule, code, status }) => {
    server().addRule(rule());
    const { result, events } = await search(path, server().url);
    expect(result.error).toMatchObject({
      code,
      nodeId: "search",
      ...(status === undefined ? {} : { status }),
    });
    expect(server().requests.length).toBeGreaterThanOrEqual(1);
    expectNoCanary(result, events);
  });

  it("never leaks when the key is wrong", async () => {
    const { result, events } = await search(path, server().url);
    expect(result.status).toBe("succeeded");
    server().reset();
    const wrong = await runFlow(
      createTestEngine(server(), {
        "customer-serp": { type: "serp", baseUrl: server().url, apiKey: new Secret(`${CANARY}-old`) },
      }),
      searchFlow(path),
      { inputs: { key: `${CANARY}-old`, base: server().url } },
    );
    expect(wrong.result.error).toMatchObject({ code: "llm.auth", status: 401 });
    expectNoCanary(result, events);
    expectNoCanary(wrong.result, wrong.events);
  });

  it("never leaks on a redirect to a URL that holds it (not followed)", async () => {
    const { result, events } = await search(path, redirectorUrl);
    expect(result.error).toMatchObject({ code: "llm.request", status: 302 });
    expect(result.error?.message).toContain('a redirect to "https://elsewhere.example.com/search?');
    expect(result.error?.message).toContain("api_key=***");
    expectNoCanary(result, events);
  });

  it("never leaks when the service cannot be reached", async () => {
    const { result, events } = await search(path, closedUrl);
    expect(result.error).toMatchObject({ code: "llm.network", nodeId: "search" });
    expect(result.error?.message).toMatch(/^cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED$/);
    expect(result.nodes.search?.attempts).toBe(2);
    expectNoCanary(result, events);
  });

  it("never leaks when the request times out", async () => {
    server().addRule({ fault: { type: "hang" } });
    const { result, events } = await search(path, server().url, { requestTimeoutMs: 100 });
    expect(result.error).toMatchObject({ code: "node.timeout", nodeId: "search" });
    expectNoCanary(result, events);
  });
});
