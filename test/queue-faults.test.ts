import { join } from "node:path";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  redisUnavailable,
  startTestRedis,
  type TestRedis,
  testPrefix,
} from "../packages/queue/test-support/redis.js";
import { deleteKeys } from "../packages/queue/test-support/scan-redis.js";
import {
  completeLines,
  readResults,
  spawnCli,
  TENANT_FLOW,
  TENANT_MAPS,
  tempDir,
  tenantRows,
  waitFor,
  writeJsonl,
} from "./support/batch.js";
import { CRASH_FLOW, CRASH_PLUGIN, FAST_STALLS, queueEnv, WorkerPool } from "./support/queue.js";

const skip = redisUnavailable();
if (skip) console.log(skip);

const TENANTS: Array<[string, string]> = [
  ["tenant-a", "test-key-tenant-a-0042"],
  ["tenant-b", "test-key-tenant-b-0042"],
];

/** Every row 0…count-1 has exactly one line. */
function expectEveryRowOnce(file: string, count: number) {
  const indexes = readResults(file).map((line) => line.index);
  expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, index) => index));
}

describe.skipIf(skip !== undefined)("weft batch --queue under faults, with real processes", () => {
  let redis: TestRedis;
  /** `--queue` and a key prefix of this test's own: tests sharing one Redis never see each other's rows. */
  let queue: string[] = [];
  let prefix = "";
  let server: LlmServer;
  let pool: WorkerPool | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
    server = await startLlmServer({ keys: Object.fromEntries(TENANTS), defaultDelayMs: 100 });
  });
  afterEach(async () => {
    await pool?.stop();
    pool = undefined;
    await deleteKeys(redis.url, prefix);
    server.reset();
  });
  beforeEach(() => {
    prefix = testPrefix("faults");
    queue = ["--queue", redis.url, "--queue-prefix", prefix];
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  const producer = (dir: string, count: number, extra: string[] = []) => {
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(count, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const args = ["batch", TENANT_FLOW, "--data", data, "--output", output, ...TENANT_MAPS, ...queue];
    return { output, run: spawnCli([...args, ...extra], queueEnv()) };
  };

  it("runs the rows of a SIGKILLed worker on another: one result per row", async () => {
    pool = new WorkerPool([...queue, "--concurrency", "4", ...FAST_STALLS]);
    await pool.start(2);
    const { output, run } = producer(tempDir(), 40);
    await waitFor("a few results", () => completeLines(output) >= 4);
    pool.killOne();
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expectEveryRowOnce(output, 40);
    expect(readResults(output).every((line) => line.status === "succeeded")).toBe(true);
    // The killed worker's rows were asked again: model calls are at least once.
    expect(server.requests.length).toBeGreaterThanOrEqual(40);
  }, 60_000);

  it("completes when Redis restarts mid-batch, empty: producer and workers reconnect", async () => {
    if (!redis.owned) return;
    pool = new WorkerPool([...queue, "--concurrency", "4", ...FAST_STALLS]);
    await pool.start(2);
    const { output, run } = producer(tempDir(), 60);
    await waitFor("some results", () => completeLines(output) >= 10);
    await redis.restart({ downMs: 500 });
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("Redis lost the batch");
    expectEveryRowOnce(output, 60);
  }, 60_000);

  it("stops a worker on SIGTERM while Redis is down, without waiting for Redis", async () => {
    if (!redis.owned) return;
    pool = new WorkerPool([...queue, "--concurrency", "4"]);
    await pool.start(1);
    const [worker] = pool.running;
    let seen = "";
    worker!.child.stderr!.on("data", (chunk) => {
      seen += chunk;
    });
    const restarted = redis.restart({ downMs: 12_000 });
    await waitFor("the worker to lose Redis", () => seen.includes("lost the connection to Redis"));
    worker!.child.kill("SIGTERM");
    const exited = await Promise.race([
      worker!.exited,
      new Promise<undefined>((resolve) => setTimeout(resolve, 9_000, undefined)),
    ]);
    await restarted;
    expect(exited, "still running 9 s after SIGTERM").toBeDefined();
    expect(exited!.code).toBe(0);
    expect(exited!.stderr).toContain("worker: stopped");
  }, 60_000);

  it("fails a row that crashes every worker that runs it, once, and runs the others", async () => {
    // One row at a time, so that a crash takes no other row with it; locks longer than the other
    // tests', so that a worker just respawned on a loaded machine keeps its first row's lock.
    const options = ["--concurrency", "1", "--lock-duration", "6000", "--stalled-interval", "1000"];
    pool = new WorkerPool([...queue, "--plugin", CRASH_PLUGIN, ...options], { respawn: true });
    await pool.start(2);
    const dir = tempDir();
    const texts = ["a", "b", "crash", "c", "d", "e"];
    const data = writeJsonl(
      join(dir, "rows.jsonl"),
      texts.map((text) => ({ text })),
    );
    const output = join(dir, "results.jsonl");
    const run = spawnCli(
      ["--plugin", CRASH_PLUGIN, "batch", CRASH_FLOW, "--data", data, "--output", output, ...queue],
      queueEnv(),
    );
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(1);
    expectEveryRowOnce(output, 6);
    const crashed = readResults(output).find((line) => line.index === 2)!;
    expect(crashed.status).toBe("failed");
    expect(crashed.error?.code).toBe("queue.row");
    expect(crashed.error?.message).toMatch(/stopped while running it too many times/);
    expect(
      readResults(output).filter((line) => line.status === "succeeded"),
      JSON.stringify(readResults(output)),
    ).toHaveLength(5);
    // Crashed twice (maxStalledCount 1), then failed: not retried forever.
    expect(pool.exits.filter((exit) => exit.signal === "SIGKILL").length).toBe(2);
  }, 60_000);

  it("resumes an interrupted batch: rows with a result line are not run again", async () => {
    pool = new WorkerPool([...queue, "--concurrency", "2"]);
    await pool.start(1);
    const dir = tempDir();
    // The same batch id both times: the second producer runs the batch the first one cancelled.
    const first = producer(dir, 30, ["--batch-id", "resumed"]);
    await waitFor("some results", () => completeLines(first.output) >= 6);
    first.run.child.kill("SIGINT");
    const interrupted = await first.run.exited;
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const done = readResults(first.output).length;
    expect(done).toBeLessThan(30);
    server.reset();
    const second = producer(dir, 30, ["--batch-id", "resumed", "--resume"]);
    const result = await second.run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`resumed: ${done} rows were done before`);
    expectEveryRowOnce(first.output, 30);
    // Rows left over from the cancelled batch are skipped by the workers, not run.
    expect(server.requests.length).toBeLessThanOrEqual(30 - done + 2);
  }, 60_000);
});
