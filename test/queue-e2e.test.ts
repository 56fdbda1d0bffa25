import { join } from "node:path";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  redisUnavailable,
  startTestRedis,
  type TestRedis,
  testPrefix,
} from "../packages/queue/test-support/redis.js";
import { deleteKeys, dumpRedis } from "../packages/queue/test-support/scan-redis.js";
import {
  completeLines,
  readResults,
  spawnCli,
  TENANT_MAPS,
  tempDir,
  waitFor,
  writeJsonl,
} from "./support/batch.js";
import { CANARY, expectNoCanaryIn } from "./support/canary.js";
import { ROOT } from "./support/cli.js";
import { FAST_STALLS, queueEnv, WorkerPool } from "./support/queue.js";

const skip = redisUnavailable();
if (skip) console.log(skip);

const ROWS = 2_000;
const TENANTS: Array<[string, string]> = [
  ["tenant-a", "test-key-tenant-a-0042"],
  ["tenant-b", "test-key-tenant-b-0042"],
  ["tenant-c", CANARY],
];
/**
 * Each tenant's `maxConcurrency`, from its rows: held across the 4 workers together (shared through
 * Redis), which run 32 rows at once between them.
 */
const TENANT_LIMIT = 2;
const FLOW = join(ROOT, "test", "fixtures", "queue", "tenant-limited.flow.json");

describe.skipIf(skip !== undefined)("weft batch --queue end to end", () => {
  let redis: TestRedis;
  /** `--queue` and a key prefix of this test's own: tests sharing one Redis never see each other's rows. */
  let queue: string[] = [];
  let prefix = "";
  let server: LlmServer;
  beforeAll(async () => {
    redis = await startTestRedis();
    server = await startLlmServer({ keys: Object.fromEntries(TENANTS), defaultDelayMs: 5 });
  });
  beforeEach(() => {
    prefix = testPrefix("e2e");
    queue = ["--queue", redis.url, "--queue-prefix", prefix];
  });
  afterEach(async () => {
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  it("runs 2,000 rows of 3 tenants on 4 workers, one SIGKILLed mid-way: one result per row, tokens as the server counted, no key in Redis", async () => {
    const pool = new WorkerPool([...queue, "--concurrency", "8", ...FAST_STALLS]);
    await pool.start(4);
    const dir = tempDir();
    const rows = Array.from({ length: ROWS }, (_, index) => {
      const [tenant, key] = TENANTS[index % TENANTS.length]!;
      const endpoint = `${server.url}/openai/deployments/gpt-4o-mini`;
      return { q: `row-${index}`, tenant, key, endpoint, limit: TENANT_LIMIT };
    });
    const data = writeJsonl(join(dir, "rows.jsonl"), rows);
    const output = join(dir, "results.jsonl");
    const maps = [...TENANT_MAPS, "--map", "maxConcurrency=${data.limit}"];
    const args = ["batch", FLOW, "--data", data, "--output", output, ...maps, ...queue, "--json"];
    const run = spawnCli(args, queueEnv());
    await waitFor("a quarter of the rows", () => completeLines(output) >= ROWS / 4);
    pool.killOne();
    const result = await run.exited;
    const dump = await dumpRedis(redis.url);
    await pool.stop();
    expect(result.code, result.stderr).toBe(0);

    const lines = readResults(output);
    expect(lines.map((line) => line.index).sort((a, b) => a - b)).toEqual([...Array(ROWS).keys()]);
    for (const line of lines) {
      expect(line.status).toBe("succeeded");
      expect(line.outputs?.keyUsed).toBe("***");
    }
    // Tokens: the summary adds up the result lines; the server counted those, plus the calls of
    // the killed worker's attempts that ran again (at-least-once calls, exactly-once results).
    const asked = new Map<string, number>();
    for (const entry of server.requests)
      asked.set(entry.lastUserMessage ?? "", (asked.get(entry.lastUserMessage ?? "") ?? 0) + 1);
    const expected = new Map<string, number>();
    let total = 0;
    for (const line of lines) {
      const tokens = line.usage?.totalTokens ?? 0;
      const tenant = TENANTS[line.index % TENANTS.length]![0];
      total += tokens;
      expect(asked.get(`row-${line.index}`)).toBeGreaterThanOrEqual(1);
      expected.set(tenant, (expected.get(tenant) ?? 0) + tokens * asked.get(`row-${line.index}`)!);
    }
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ stopReason: "completed", succeeded: ROWS, failed: 0 });
    expect(summary.usage.totalTokens).toBe(total);
    const stats = server.stats();
    for (const [tenant] of TENANTS) {
      expect(stats.tokensByKey[tenant]?.totalTokens).toBe(expected.get(tenant));
      const rowsOfTenant = rows.filter((row) => row.tenant === tenant).length;
      expect(summary.usage.byConnection[tenant].rows).toBe(rowsOfTenant);
      // Four workers never give a tenant four times its quota: the server saw at most 2 at once.
      expect(stats.maxConcurrencyByKey[tenant]).toBeLessThanOrEqual(TENANT_LIMIT);
    }
    // Redis holds no key in any form: not in job data, settings, results or events.
    expectNoCanaryIn({ redis: dump.join("\n") });
    expect(pool.exits.filter((exit) => exit.signal === "SIGKILL")).toHaveLength(1);
  }, 120_000);
});
