import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type BatchRowResult, createEngine, type Prices } from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisUnavailable, startTestRedis, type TestRedis, testPrefix } from "../test-support/redis.js";
import { deleteKeys, dumpRedis } from "../test-support/scan-redis.js";
import { startQueueBatch } from "./producer/start-queue-batch.js";
import { startWorker } from "./worker/start-worker.js";

const skip = redisUnavailable();
if (skip) console.log(skip);

const CANARY = "test-key-CANARY-7f3a9c2e51d4";
const TENANTS: Array<[string, string]> = [
  ["tenant-a", "test-key-tenant-a-0042"],
  ["tenant-b", "test-key-tenant-b-0042"],
  ["tenant-c", CANARY],
];
const KEY = Buffer.alloc(32, 7).toString("base64");
const OTHER_KEY = Buffer.alloc(32, 9).toString("hex");
const FLOW = readFileSync(
  join(import.meta.dirname, "../../../test/fixtures/batch/tenant-chat.flow.json"),
  "utf8",
);
const MAP = new Map([
  ["question", "${data.q}"],
  ["tenant", "${data.tenant}"],
  ["tenantKey", "${data.key}"],
  ["endpoint", "${data.endpoint}"],
]);
const catalog = { nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds };

describe.skipIf(skip !== undefined)("a batch on the queue, in one process", () => {
  let redis: TestRedis;
  let server: LlmServer;
  beforeAll(async () => {
    redis = await startTestRedis();
    server = await startLlmServer({ keys: Object.fromEntries(TENANTS) });
  });
  const prefixes: string[] = [];
  const newPrefix = (name: string) => {
    const prefix = testPrefix(name);
    prefixes.push(prefix);
    return prefix;
  };
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(redis.url, prefix);
    await server?.close();
    await redis?.stop();
  });

  const rows = (count: number) =>
    Array.from({ length: count }, (_, index) => {
      const [tenant, key] = TENANTS[index % 3]!;
      return { q: `row-${index}`, tenant, key, endpoint: `${server.url}/openai/deployments/gpt-4o-mini` };
    });

  async function runBatch(
    prefix: string,
    count: number,
    options: { skip?: (index: number) => boolean } = {},
  ) {
    const flow = createEngine(catalog).compile(FLOW);
    const batch = await startQueueBatch({
      url: redis.url,
      prefix,
      secretKey: KEY,
      flow,
      rows: rows(count),
      map: MAP,
      maxPending: 16,
      ...options,
    });
    const results: BatchRowResult[] = [];
    for await (const result of batch) results.push(result);
    return { batch, results };
  }

  it("runs every row once on two workers; no key reaches Redis in plain text", async () => {
    server.reset();
    const prefix = newPrefix("queue");
    const workers = await Promise.all(
      [1, 2].map(() => startWorker({ ...catalog, url: redis.url, prefix, secretKey: KEY, concurrency: 4 })),
    );
    const { batch, results } = await runBatch(prefix, 60);
    const dump = await dumpRedis(redis.url);
    await Promise.all(workers.map((worker) => worker.close()));
    expect(batch.stopReason).toBe("completed");
    expect(results.map((result) => result.index).sort((a, b) => a - b)).toEqual([...Array(60).keys()]);
    for (const result of results) {
      expect(result.status, JSON.stringify(result.error)).toBe("succeeded");
      expect(result.outputs?.answer).toContain(`row-${result.index}`);
      expect(result.outputs?.keyUsed).toBe("***");
    }
    expect(server.requests).toHaveLength(60);
    expect(dump.length).toBeGreaterThan(3);
    for (const text of dump) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(Buffer.from(CANARY).toString("base64").slice(0, 16));
    }
  });

  it("fails each row at once, with a clear error, on a worker with another key", async () => {
    server.reset();
    const prefix = newPrefix("queue-key");
    const worker = await startWorker({ ...catalog, url: redis.url, prefix, secretKey: OTHER_KEY });
    const { results } = await runBatch(prefix, 3);
    await worker.close();
    expect(results).toHaveLength(3);
    for (const result of results) {
      expect(result.status).toBe("failed");
      expect(result.error?.code).toBe("queue.row");
      expect(result.error?.message).toMatch(/WEFT_SECRET_KEY is not the producer's/);
      expect(JSON.stringify(result)).not.toContain(CANARY);
    }
    expect(server.requests).toHaveLength(0);
  });

  it("passes over the rows a results file holds (--resume)", async () => {
    server.reset();
    const prefix = newPrefix("queue-resume");
    const worker = await startWorker({ ...catalog, url: redis.url, prefix, secretKey: KEY });
    const { batch, results } = await runBatch(prefix, 10, { skip: (index) => index < 6 });
    await worker.close();
    expect(batch.skipped).toBe(6);
    expect(results.map((result) => result.index).sort()).toEqual([6, 7, 8, 9]);
    expect(server.requests).toHaveLength(4);
  });

  it("prices rows on the workers with the producer's prices", async () => {
    server.reset();
    const prefix = newPrefix("queue-prices");
    const worker = await startWorker({ ...catalog, url: redis.url, prefix, secretKey: KEY });
    const prices: Prices = { currency: "EUR", models: new Map([["gpt-4o-mini", { input: 1, output: 2 }]]) };
    const { results } = await runBatch(prefix, 3, { prices });
    await worker.close();
    for (const result of results) {
      expect(result.usage?.currency).toBe("EUR");
      expect(result.usage?.cost).toBeGreaterThan(0);
    }
  });
});
