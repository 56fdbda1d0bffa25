import {
  addRunUsage,
  ConnectionKinds,
  ConnectionLimiter,
  createEngine,
  emptyRunUsage,
  type FlowDefinition,
  type RunResult,
} from "@weft/engine";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../test-support/manual-clock.js";
import { foundryEndpoint, waitUntil } from "../../test-support/offline-engine.js";
import { builtinConnectionKinds, builtinNodeTypes } from "../index.js";

/** Three customers, each on their own key (and so their own quota). */
const TENANT_KEYS = {
  a: "sk-CANARY-93f1d7c2-first",
  b: "sk-CANARY-4e8a0b61-second",
  c: "sk-CANARY-c05d9e37-third",
} as const;
type Tenant = keyof typeof TENANT_KEYS;

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys: { ...TENANT_KEYS } });
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
});

/** One row of a customer's batch: the customer's own connection (with its limits), one question. */
function tenantFlow(limits: Record<string, number> = {}, retry = { maxAttempts: 6 }): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" }, tenant: { type: "string" } },
    nodes: [
      {
        id: "connect",
        type: "create-azure-ai-connection",
        inputs: {
          apiKey: "${inputs.key}",
          endpoint: "${inputs.endpoint}",
          name: "tenant-${inputs.tenant}",
          variable: "conn",
          ...limits,
        },
      },
      {
        id: "answer",
        type: "chat-completion",
        dynamicConnection: "${vars.conn}",
        retry: { initialDelayMs: 1, maxDelayMs: 100, ...retry },
        inputs: { model: "gpt-4o-mini", prompt: "How is my order doing?" },
      },
    ],
  };
}

function engineWith(clock: ManualClock, requestTimeoutMs?: number) {
  const limiter = new ConnectionLimiter(new ConnectionKinds(builtinConnectionKinds), { clock });
  return createEngine({
    nodeTypes: builtinNodeTypes,
    connectionKinds: builtinConnectionKinds,
    limiter,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
}

function requestsOf(tenant: Tenant) {
  return server.requests.filter((entry) => entry.keyName === tenant);
}

describe("one tenant throttled, the others unaffected", () => {
  it("backs off only the throttled tenant, counts every request once, and adds up to the server's tokens", async () => {
    // Tenant a's first two requests get 429 with retry-after-ms: its back-off lasts until the
    // limiter's clock moves, which only the test does. Tenants b and c must not notice.
    server.addRule({
      match: { key: "a" },
      fault: { type: "status", status: 429, retryAfterMs: 100 },
      times: 2,
    });
    const clock = new ManualClock();
    const engine = engineWith(clock);
    const flow = engine.compile(tenantFlow({ maxConcurrency: 2 }));
    const rows = 8;
    const start = (tenant: Tenant) =>
      Array.from({ length: rows }, () =>
        engine.run(flow, {
          inputs: { key: TENANT_KEYS[tenant], endpoint: foundryEndpoint(server), tenant },
        }),
      );
    const a = start("a");
    const b = start("b");
    const c = start("c");
    const retries: string[] = [];
    for (const handle of a) handle.on("node:retry", (event) => retries.push(event.error.code));

    const others = await Promise.all([...b, ...c].map((handle) => handle.result));
    expect(others.every((result) => result.status === "succeeded")).toBe(true);
    // b and c finished all their rows while a was backing off: a's clock has not moved yet.
    expect(requestsOf("b").map((entry) => entry.status)).toEqual(Array(rows).fill(200));
    expect(requestsOf("c").map((entry) => entry.status)).toEqual(Array(rows).fill(200));
    // Both of a's slots were taken before the first 429 came back; nothing of a's went since.
    await waitUntil(() => retries.length === 2 && clock.sleeping > 0, { what: "a's two retries to wait" });
    expect(requestsOf("a").map((entry) => entry.status)).toEqual([429, 429]);

    // The back-off ends: one request probes first, the rest wait for its answer.
    clock.advance(100);
    const results = await Promise.all(a.map((handle) => handle.result));
    expect(results.every((result) => result.status === "succeeded")).toBe(true);
    const statuses = requestsOf("a").map((entry) => entry.status);
    expect(statuses).toEqual([429, 429, ...Array(rows).fill(200)]);
    // The first request after the back-off was alone in flight for tenant a: the probe.
    expect(requestsOf("a")[2]?.concurrency).toBe(1);

    // Every request accounted once: what the runs count is what the server answered, key by key.
    const all: RunResult[] = [...results, ...others];
    const total = all.reduce((sum, result) => addRunUsage(sum, result.usage), emptyRunUsage());
    const served = server.stats().tokensByKey;
    expect(Object.keys(total.byConnection).sort()).toEqual(["tenant-a", "tenant-b", "tenant-c"]);
    for (const tenant of ["a", "b", "c"] as const) {
      const counted = total.byConnection[`tenant-${tenant}`]!;
      expect(counted).toMatchObject({
        requests: served[tenant]!.requests,
        promptTokens: served[tenant]!.promptTokens,
        completionTokens: served[tenant]!.completionTokens,
        totalTokens: served[tenant]!.totalTokens,
        reported: true,
      });
    }
    expect(total.requests).toBe(3 * rows);
    expect(server.stats().total).toBe(3 * rows + 2);
    // Two failed attempts, and each retry waited for the tenant's back-off, not for anyone else's.
    expect(retries).toEqual(["llm.rate-limited", "llm.rate-limited"]);
    expect(JSON.stringify(all)).not.toContain("CANARY");
  });

  // Without a request deadline (Infinity), the request runs without a timer of its own: the 429
  // must still reach the connection's back-off.
  it.each([
    ["the default request deadline", undefined],
    ["no request deadline", Number.POSITIVE_INFINITY],
  ])(
    "keeps a tenant without limits waiting through its back-off too, with %s",
    async (_, requestTimeoutMs) => {
      server.addRule({
        match: { key: "a" },
        fault: { type: "status", status: 429, retryAfterMs: 50 },
        times: 1,
      });
      const clock = new ManualClock();
      const engine = engineWith(clock, requestTimeoutMs);
      const flow = engine.compile(tenantFlow());
      const inputs = { key: TENANT_KEYS.a, endpoint: foundryEndpoint(server), tenant: "a" };
      const first = engine.run(flow, { inputs });
      await waitUntil(() => clock.sleeping > 0, { what: "the retry to wait for the back-off" });
      // Started during the back-off: it waits as well, and sends nothing.
      const second = engine.run(flow, { inputs });
      const sent = () => requestsOf("a").length;
      await waitUntil(() => clock.sleeping > 0 && sent() === 1, { what: "the second run to wait" });
      expect(requestsOf("a").map((entry) => entry.status)).toEqual([429]);
      clock.advance(50);
      const results = await Promise.all([first.result, second.result]);
      expect(results.map((result) => result.status)).toEqual(["succeeded", "succeeded"]);
      expect(requestsOf("a").map((entry) => entry.status)).toEqual([429, 200, 200]);
    },
  );
});

describe("requestsPerMinute", () => {
  it("never lets more than the limit reach the server within any 60 seconds of the limiter's clock", async () => {
    const clock = new ManualClock();
    // The limiter's time when each request reached the server.
    const arrivals: number[] = [];
    server.addRule({
      match: { key: "b" },
      reply: () => {
        arrivals.push(clock.now());
        return "ok";
      },
    });
    const engine = engineWith(clock);
    const flow = engine.compile(tenantFlow({ requestsPerMinute: 3 }));
    const handles = Array.from({ length: 8 }, () =>
      engine.run(flow, { inputs: { key: TENANT_KEYS.b, endpoint: foundryEndpoint(server), tenant: "b" } }),
    );
    const settled = () => server.requests.filter((entry) => entry.status !== 0).length;
    await waitUntil(() => settled() === 3 && clock.sleeping > 0, { what: "the first three requests" });
    expect(arrivals).toEqual([0, 0, 0]);
    // Half a window on: the first three still count.
    clock.advance(30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(3);
    clock.advance(30_000);
    await waitUntil(() => settled() === 6 && clock.sleeping > 0, { what: "three more" });
    clock.advance(59_999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(6);
    clock.advance(1);
    const results = await Promise.all(handles.map((handle) => handle.result));
    expect(results.every((result) => result.status === "succeeded")).toBe(true);
    expect(arrivals).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000, 120_000]);
    for (let index = 3; index < arrivals.length; index++) {
      expect(arrivals[index]! - arrivals[index - 3]!).toBeGreaterThanOrEqual(60_000);
    }
  });
});

describe("tokensPerMinute", () => {
  it("admits by estimate, then by the tokens the service counted", async () => {
    const clock = new ManualClock();
    server.addRule({ match: { key: "c" }, reply: "ok" });
    const engine = engineWith(clock);
    // Estimate per request: "How is my order doing?" is 22 characters → 6, plus maxTokens 10 → 16.
    // The server counts 5 prompt words and 1 answer word: 6 tokens.
    const flow = tenantFlow({ tokensPerMinute: 40, maxConcurrency: 1 });
    (flow.nodes[1]!.inputs as Record<string, unknown>).maxTokens = 10;
    const compiled = engine.compile(flow);
    const handles = Array.from({ length: 8 }, () =>
      engine.run(compiled, {
        inputs: { key: TENANT_KEYS.c, endpoint: foundryEndpoint(server), tenant: "c" },
      }),
    );
    // One at a time (maxConcurrency 1): each answered request gives back 10 of its 16 tokens, so
    // 6 + 6 + 6 + 6 + 16 ≤ 40 lets five through; a sixth (6 × 5 + 16 = 46) must wait for the window.
    await waitUntil(() => server.requests.filter((entry) => entry.status === 200).length === 5, {
      what: "five requests",
    });
    await waitUntil(() => clock.sleeping > 0, { what: "the sixth to wait" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(5);
    clock.advance(60_000);
    const results = await Promise.all(handles.map((handle) => handle.result));
    expect(results.every((result) => result.status === "succeeded")).toBe(true);
    expect(server.stats().tokensByKey.c).toMatchObject({ requests: 8, totalTokens: 48 });
  });
});

describe("a run cancelled while it waits for its connection", () => {
  it("leaves the line, sends nothing, and frees the limiter", async () => {
    const clock = new ManualClock();
    const limiter = new ConnectionLimiter(new ConnectionKinds(builtinConnectionKinds), { clock });
    const engine = createEngine({
      nodeTypes: builtinNodeTypes,
      connectionKinds: builtinConnectionKinds,
      limiter,
    });
    const flow = engine.compile(tenantFlow({ requestsPerMinute: 1 }));
    const inputs = { key: TENANT_KEYS.a, endpoint: foundryEndpoint(server), tenant: "a" };
    const first = await engine.run(flow, { inputs }).result;
    expect(first.status).toBe("succeeded");
    const controller = new AbortController();
    const waiting = engine.run(flow, { inputs, signal: controller.signal });
    await waitUntil(() => clock.sleeping > 0, { what: "the second run to wait for the window" });
    controller.abort("no longer needed");
    const result = await waiting.result;
    expect(result.status).toBe("cancelled");
    expect(clock.sleeping).toBe(0);
    await waitUntil(() => limiter.activeConnections === 0, {
      what: "the limiter to let go of the cancelled request",
    });
    clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(1);
  });
});
