import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ManualClock } from "../../test-support/manual-clock.js";
import { deferred } from "../../test-support/run-harness.js";
import { testConnectionKinds } from "../../test-support/test-connection-kinds.js";
import { ConnectionKinds } from "../connection-kind/connection-kinds.js";
import { ConnectionLimiter } from "../connection-kind/connection-limiter.js";
import { createEngine } from "../engine.js";
import { FlowError } from "../errors/flow-error.js";
import { MAX_BATCH_WAITING_ROWS } from "../limits.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";
import type { BatchRowResult } from "./batch-options.js";
import type { BatchRun } from "./batch-run.js";

/**
 * A service of several tenants: counts the requests being sent at once, answers 429 with a
 * `retry-after` while a tenant has throttles left, and holds a tenant's requests while asked to.
 */
class FakeService {
  sending = 0;
  maxSending = 0;
  readonly sent = new Map<string, number>();
  readonly throttles = new Map<string, number>();
  readonly holds = new Map<string, Promise<void>>();
  retryAfterMs = 1000;

  async answer(tenant: string, signal: AbortSignal): Promise<{ tenant: string }> {
    this.sent.set(tenant, (this.sent.get(tenant) ?? 0) + 1);
    this.sending++;
    this.maxSending = Math.max(this.maxSending, this.sending);
    try {
      const throttles = this.throttles.get(tenant) ?? 0;
      if (throttles > 0) {
        this.throttles.set(tenant, throttles - 1);
        throw new FlowError("llm.rate-limited", "too many requests", {
          status: 429,
          retryable: true,
          retryAfterMs: this.retryAfterMs,
        });
      }
      const hold = this.holds.get(tenant);
      if (hold) {
        await new Promise<void>((resolve, reject) => {
          hold.then(resolve);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      }
      return { tenant };
    } finally {
      this.sending--;
    }
  }
}

function setup(options: { clock?: ManualClock; limits?: Record<string, number> } = {}) {
  const service = new FakeService();
  const connect = defineNodeType({
    type: "connect",
    description: "Builds the tenant's own connection.",
    input: z.object({ tenant: z.string(), key: z.instanceof(Secret), name: z.string() }),
    writes: { input: "name" },
    run: (input, context) => ({
      type: "openai",
      name: `tenant-${input.tenant}`,
      apiKey: context.secret(input.key),
      baseUrl: "https://svc.example.com",
      // Only tenant a's connection has limits.
      ...(input.tenant === "a" ? options.limits : {}),
    }),
  });
  const ask = defineNodeType({
    type: "ask",
    description: "Asks the tenant's service.",
    input: z.object({ tenant: z.string() }),
    usesConnection: true,
    async run(input, context) {
      const connection = await context.connection();
      const answer = await connection.call((signal) => service.answer(input.tenant, signal));
      connection.reportUsage({ promptTokens: 2, completionTokens: 1, totalTokens: 3 });
      return answer;
    },
  });
  const limiter = new ConnectionLimiter(
    new ConnectionKinds(testConnectionKinds),
    options.clock ? { clock: options.clock } : {},
  );
  const engine = createEngine({ nodeTypes: [connect, ask], connectionKinds: testConnectionKinds, limiter });
  return { service, engine };
}

const flow = {
  inputs: { tenant: { type: "string" }, key: { type: "secret" } },
  nodes: [
    {
      id: "connect",
      type: "connect",
      inputs: { tenant: "${inputs.tenant}", key: "${inputs.key}", name: "conn" },
    },
    {
      id: "ask",
      type: "ask",
      dynamicConnection: "${vars.conn}",
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
      inputs: { tenant: "${inputs.tenant}" },
    },
  ],
  outputs: { tenant: "${nodes.ask.output.tenant}" },
};

/** `count` rows, the tenants taking turns. */
function rows(count: number, tenants: readonly string[] = ["a", "b"]) {
  return Array.from({ length: count }, (_, index) => {
    const tenant = tenants[index % tenants.length]!;
    return { tenant, key: `key-${tenant}` };
  });
}

/** Reads the batch in the background. */
function drain(batch: BatchRun) {
  const results: BatchRowResult[] = [];
  const done = (async () => {
    for await (const result of batch) results.push(result);
    return results;
  })();
  const of = (tenant: string, status = "succeeded") =>
    results.filter((result) => result.status === status && result.outputs?.tenant === tenant).length;
  return { results, done, of };
}

/** Turns of the event loop until `check` holds (at most a few thousand). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 5000; turn++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, turn < 100 ? 0 : 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Lets every pending timer and request run, so that a stall shows as a stall. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
}

function indexes(results: readonly BatchRowResult[]): number[] {
  return results.map((result) => result.index).sort((a, b) => a - b);
}

describe("engine.batch with a throttled tenant", () => {
  it("gives the slots of rows waiting out a 429 to the other tenant's rows, then sends no more than `concurrency` at once", async () => {
    const clock = new ManualClock();
    const { service, engine } = setup({ clock });
    service.throttles.set("a", 1);
    const batch = engine.batch(flow, rows(30), { concurrency: 2 });
    const reader = drain(batch);

    // Tenant a's back-off lasts until the clock moves: b's rows all finish meanwhile.
    await until(() => reader.of("b") === 15, "tenant b's rows");
    await until(() => batch.waiting === 15, "tenant a's rows to wait");
    expect(service.sent.get("a")).toBe(1);
    expect(reader.of("a")).toBe(0);
    expect(batch.inFlight).toBe(15);

    clock.advance(1000);
    const results = await reader.done;
    expect(indexes(results)).toEqual(Array.from({ length: 30 }, (_, index) => index));
    expect(results.every((result) => result.status === "succeeded")).toBe(true);
    // The 429 and one request per row; a's fifteen rows came back through two slots, not at once.
    expect(service.sent.get("a")).toBe(16);
    expect(service.maxSending).toBeLessThanOrEqual(2);
    expect(batch.waiting).toBe(0);
    expect(batch.stopReason).toBe("completed");
  });

  it("keeps waiting rows in their slots with `maxWaitingRows: 0`: the other tenant stalls", async () => {
    const clock = new ManualClock();
    const { service, engine } = setup({ clock });
    service.throttles.set("a", 1);
    const batch = engine.batch(flow, rows(30), { concurrency: 2, maxWaitingRows: 0 });
    const reader = drain(batch);
    await until(() => clock.sleeping > 0, "tenant a's back-off");
    await settle();
    expect(reader.of("b")).toBeLessThan(3);
    // Both rows in flight wait on tenant a; no row may take their slots.
    expect(batch.inFlight).toBe(2);
    expect(batch.waiting).toBe(2);
    expect(batch.rowsRead).toBeLessThan(6);
    clock.advance(1000);
    expect(indexes(await reader.done)).toHaveLength(30);
  });

  it("gives the slots of rows queued behind a busy `maxConcurrency` to the other tenant's rows", async () => {
    const { service, engine } = setup({ limits: { maxConcurrency: 1 } });
    const release = deferred();
    service.holds.set("a", release.promise);
    const batch = engine.batch(flow, rows(30), { concurrency: 2 });
    const reader = drain(batch);
    // a's first request holds a's only connection slot and a batch slot; b's rows use the other.
    await until(() => reader.of("b") === 15, "tenant b's rows");
    await until(() => batch.waiting === 14, "tenant a's other rows to wait");
    expect(service.sent.get("a")).toBe(1);
    release.resolve();
    const results = await reader.done;
    expect(indexes(results)).toHaveLength(30);
    expect(results.every((result) => result.status === "succeeded")).toBe(true);
    expect(service.maxSending).toBeLessThanOrEqual(2);
  });

  it("gives the slots of rows waiting for room in a `requestsPerMinute` window to the other tenant's rows", async () => {
    const clock = new ManualClock();
    const { service, engine } = setup({ clock, limits: { requestsPerMinute: 5 } });
    const batch = engine.batch(flow, rows(30), { concurrency: 2 });
    const reader = drain(batch);
    await until(() => reader.of("b") === 15, "tenant b's rows");
    await until(() => reader.of("a") === 5 && batch.waiting === 10, "tenant a's other rows to wait");
    expect(service.sent.get("a")).toBe(5);
    clock.advance(60_000);
    await until(() => reader.of("a") === 10, "five more of a's rows, a minute on");
    clock.advance(60_000);
    const results = await reader.done;
    expect(indexes(results)).toEqual(Array.from({ length: 30 }, (_, index) => index));
    expect(service.maxSending).toBeLessThanOrEqual(2);
  });

  it("holds no more than `concurrency + maxWaitingRows` rows in flight", async () => {
    const clock = new ManualClock();
    const { service, engine } = setup({ clock });
    service.throttles.set("a", 1);
    const batch = engine.batch(flow, rows(20, ["a"]), { concurrency: 2, maxWaitingRows: 3 });
    const reader = drain(batch);
    await until(() => batch.waiting === 5, "five rows to wait");
    await settle();
    // Rows 0 and 1 were sent at once: 0 got the 429, 1 was answered; the next five wait.
    expect(reader.results.map((result) => result.index)).toEqual([1]);
    expect(batch.inFlight).toBe(5);
    expect(batch.rowsRead).toBe(6);
    expect(service.sent.get("a")).toBe(2);
    clock.advance(1000);
    const results = await reader.done;
    expect(indexes(results)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(service.maxSending).toBeLessThanOrEqual(2);
  });

  it("gives the slot of a row in its retry delay after a 429 back too, and cancels that delay", async () => {
    const clock = new ManualClock();
    const { service, engine } = setup({ clock });
    service.throttles.set("a", 1);
    service.retryAfterMs = 60_000;
    // The retry waits the whole retry-after (a minute of real time): the row waits in the node's
    // retry delay, not in the limiter.
    const slow = structuredClone(flow);
    slow.nodes[1]!.retry = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 60_000 };
    const batch = engine.batch(slow, rows(30), { concurrency: 2 });
    const reader = drain(batch);
    await until(() => reader.of("b") === 15, "tenant b's rows");
    // All fifteen of a's rows wait: fourteen in the limiter, the throttled one in its retry delay.
    await until(() => batch.waiting === 15, "tenant a's rows to wait");
    expect(clock.sleeping).toBe(1);
    batch.cancel("stopped by the test");
    const results = await reader.done;
    expect(results.filter((result) => result.status === "cancelled")).toHaveLength(15);
    expect(service.sent.get("a")).toBe(1);
  });

  it.each(["cancel()", "the signal"])("ends waiting rows `cancelled` when stopped by %s", async (how) => {
    const clock = new ManualClock();
    const { service, engine } = setup({ clock });
    service.throttles.set("a", 1);
    const controller = new AbortController();
    const batch = engine.batch(flow, rows(30), { concurrency: 2, signal: controller.signal });
    const reader = drain(batch);
    await until(() => reader.of("b") === 15 && batch.waiting === 15, "a's rows to wait");
    if (how === "cancel()") batch.cancel("stopped by the test");
    else controller.abort("stopped by the test");
    const results = await reader.done;
    expect(indexes(results)).toEqual(Array.from({ length: 30 }, (_, index) => index));
    const cancelled = results.filter((result) => result.status === "cancelled");
    expect(cancelled).toHaveLength(15);
    for (const result of cancelled) {
      expect(result.error?.message).toContain("stopped by the test");
      expect(result.index % 2).toBe(0);
    }
    expect(batch.stopReason).toBe("cancelled");
    expect(batch.inFlight).toBe(0);
    expect(batch.waiting).toBe(0);
    // Nothing waits on the clock any more, and nothing more reaches the service.
    expect(clock.sleeping).toBe(0);
    clock.advance(1000);
    await settle();
    expect(service.sent.get("a")).toBe(1);
  });

  it("checks `maxWaitingRows`", () => {
    const { engine } = setup();
    for (const bad of [-1, 1.5, MAX_BATCH_WAITING_ROWS + 1, Number.NaN]) {
      expect(() => engine.batch(flow, [], { maxWaitingRows: bad })).toThrow(
        `Expected \`maxWaitingRows\` to be a whole number from 0 to ${MAX_BATCH_WAITING_ROWS}, got ${bad}`,
      );
    }
    expect(() => engine.batch(flow, [], { maxWaitingRows: 0 })).not.toThrow();
  });
});
