import {
  addRunUsage,
  type BatchRowResult,
  type BatchRun,
  ConnectionKinds,
  ConnectionLimiter,
  createEngine,
  emptyRunUsage,
  type FlowDefinition,
} from "@weft/engine";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../test-support/manual-clock.js";
import { foundryEndpoint, waitUntil } from "../../test-support/offline-engine.js";
import { builtinConnectionKinds, builtinNodeTypes } from "../index.js";

// A batch over three customers, each on their own key (their own quota and bill), one of them
// throttled: the "done when" of per-tenant limits in a batch.

const TENANT_KEYS = {
  a: "sk-CANARY-5b1e07d4-throttled",
  b: "sk-CANARY-e2c94a18-second",
  c: "sk-CANARY-80f3d6b2-third",
} as const;
type Tenant = keyof typeof TENANT_KEYS;
const TENANTS: readonly Tenant[] = ["a", "b", "c"];

const ROWS = 2000;
const CONCURRENCY = 16;
/** How many of b's and of c's first requests the server holds for HELD_MS before answering. */
const HELD = 40;
const HELD_MS = 400;

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys: { ...TENANT_KEYS }, defaultDelayMs: 2 });
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
});

/** One row: the customer's own connection built from the row, then one question on it. */
const flow: FlowDefinition = {
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
      },
    },
    {
      id: "answer",
      type: "chat-completion",
      dynamicConnection: "${vars.conn}",
      // A 429's retry-after is cut to maxDelayMs, for the retry and for the tenant's back-off.
      retry: { maxAttempts: 6, initialDelayMs: 1, maxDelayMs: 20 },
      inputs: { model: "gpt-4o-mini", prompt: "Where is order ${inputs.tenant}?" },
    },
  ],
  outputs: { tenant: "${inputs.tenant}", answer: "${nodes.answer.output.content}" },
};

/** The tenants take turns: a, b, c, a, b, c, … */
function* rows(endpoint: string) {
  for (let index = 0; index < ROWS; index++) {
    const tenant = TENANTS[index % 3]!;
    yield { key: TENANT_KEYS[tenant], endpoint, tenant };
  }
}

/** The batch's rows of `tenant` (by index: the results say which row they are). */
function rowsOf(tenant: Tenant): number {
  return Math.ceil((ROWS - TENANTS.indexOf(tenant)) / 3);
}

/** An engine whose limiter runs on a clock the test moves: a back-off lasts until it does. */
function engineWith(clock: ManualClock) {
  const limiter = new ConnectionLimiter(new ConnectionKinds(builtinConnectionKinds), { clock });
  return createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds, limiter });
}

/** Reads a batch in the background; `finished(tenants)` counts their rows done so far. */
function drain(batch: BatchRun) {
  const results: BatchRowResult[] = [];
  const done = (async () => {
    for await (const result of batch) results.push(result);
    return results;
  })();
  const finished = (...tenants: Tenant[]) =>
    results.filter((result) => tenants.includes(TENANTS[result.index % 3]!)).length;
  return { results, done, finished };
}

describe("a 2,000-row batch over three tenants, one of them throttled", () => {
  it("gives the others every slot, accounts every row once, and adds up to the server's tokens per key", async () => {
    const endpoint = foundryEndpoint(server);
    const others = rowsOf("b") + rowsOf("c");

    // Tenant a's first three requests get 429 with retry-after: its back-off lasts until the
    // clock moves, which only the test does. Its rows wait without holding the batch's slots.
    server.addRule({
      match: { key: "a" },
      fault: { type: "status", status: 429, retryAfterMs: 30_000 },
      times: 3,
    });
    for (const key of ["b", "c"]) server.addRule({ match: { key }, delayMs: HELD_MS, times: HELD });
    const clock = new ManualClock();
    const batch = engineWith(clock).batch(flow, rows(endpoint), { concurrency: CONCURRENCY });
    const reader = drain(batch);
    await waitUntil(() => reader.finished("b", "c") === others, {
      timeoutMs: 30_000,
      what: "tenants b and c to finish while a backs off",
    });
    // a is still backing off: only rows answered before its first 429 came back are done, and
    // every other row of a's waits without a slot.
    const aSent = server.requests.filter((entry) => entry.keyName === "a").length;
    expect(reader.finished("a")).toBeLessThanOrEqual(2 * CONCURRENCY);
    expect(aSent).toBeLessThanOrEqual(2 * CONCURRENCY);
    await waitUntil(() => batch.waiting === rowsOf("a") - reader.finished("a"), {
      what: "a's other rows to wait without a slot",
    });
    expect(batch.inFlight).toBe(batch.waiting);
    expect(server.requests.filter((entry) => entry.keyName === "a")).toHaveLength(aSent);

    // (a) While a backed off, b and c had every slot: once a's last request was over, the server
    // saw CONCURRENCY of theirs in flight at once (their first requests are held long enough to
    // pile up on any machine), so a's waiting rows held none.
    const aOver = Math.max(
      ...server.requests
        .filter((entry) => entry.keyName === "a")
        .map((entry) => entry.startedAt + entry.durationMs),
    );
    const othersAfter = server.requests.filter((entry) => entry.keyName !== "a" && entry.startedAt > aOver);
    expect(Math.max(...othersAfter.map((entry) => entry.concurrency))).toBe(CONCURRENCY);

    // The back-off ends: a's rows go on, no more of them at once than the batch's slots.
    clock.advance(30_000);
    const results = await reader.done;
    expect(batch.stopReason).toBe("completed");
    expect(server.stats().maxConcurrencyByKey.a).toBeLessThanOrEqual(CONCURRENCY);
    expect(server.stats().maxConcurrency).toBeLessThanOrEqual(CONCURRENCY);

    // (b) Every row accounted once: indexes 0…1999, one result each, all answered.
    const seen = new Set(results.map((result) => result.index));
    expect(results).toHaveLength(ROWS);
    expect(seen.size).toBe(ROWS);
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(ROWS - 1);
    expect(results.filter((result) => result.status !== "succeeded")).toEqual([]);
    for (const result of results) expect(result.outputs?.tenant).toBe(TENANTS[result.index % 3]);

    // (c) What the batch counted per tenant is what the server answered, key by key.
    const total = results.reduce((sum, result) => addRunUsage(sum, result.usage!), emptyRunUsage());
    const served = server.stats().tokensByKey;
    expect(Object.keys(total.byConnection).sort()).toEqual(["tenant-a", "tenant-b", "tenant-c"]);
    for (const tenant of TENANTS) {
      expect(total.byConnection[`tenant-${tenant}`]).toMatchObject({
        requests: served[tenant]!.requests,
        promptTokens: served[tenant]!.promptTokens,
        completionTokens: served[tenant]!.completionTokens,
        totalTokens: served[tenant]!.totalTokens,
        reported: true,
      });
      expect(served[tenant]!.requests).toBe(rowsOf(tenant));
    }
    // The three 429s, and one answered request per row.
    expect(server.stats().total).toBe(ROWS + 3);
    expect(JSON.stringify(results)).not.toContain("CANARY");
  }, 60_000);
});
