import { writeFileSync } from "node:fs";
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
  readResults,
  spawnCli,
  TENANT_FLOW,
  TENANT_MAPS,
  tempDir,
  tenantRows,
  writeJsonl,
} from "./support/batch.js";
import { runCli } from "./support/cli.js";
import { queueEnv, WorkerPool } from "./support/queue.js";

const skip = redisUnavailable();
if (skip) console.log(skip);

describe("weft batch --queue: the command line", () => {
  it("needs --queue and --batch-id for --status and --cancel, and a flow, --data and --output otherwise", async () => {
    const status = await runCli(["batch", "--status"], { env: queueEnv() });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("--status: expected --queue <redis-url> and --batch-id <id>");
    const noFlow = await runCli(["batch", "--queue", "redis://127.0.0.1:1"], { env: queueEnv() });
    expect(noFlow.code).toBe(2);
    expect(noFlow.stderr).toContain("missing required argument 'flow'");
    const noData = await runCli(["batch", TENANT_FLOW, "--output", "x.jsonl"], { env: queueEnv() });
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain("required option '--data <file>' not specified");
    const badUrl = await runCli(["worker", "--queue", "http://127.0.0.1:1"], { env: queueEnv() });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("expected a redis:// or rediss:// URL");
  });

  it("stops with one line when Redis cannot be reached, its password masked (exit 1)", async () => {
    const worker = await runCli(["worker", "--queue", "redis://:hunter2-pw@127.0.0.1:1"], {
      env: queueEnv(),
    });
    expect(worker.code).toBe(1);
    expect(worker.stderr).toBe(
      "error: cannot reach Redis at redis://:***@127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n",
    );
  });

  it("refuses to start without WEFT_SECRET_KEY, before connecting", async () => {
    const worker = await runCli(["worker", "--queue", "redis://127.0.0.1:1"], {
      env: { WEFT_HOME: tempDir() },
    });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain("WEFT_SECRET_KEY is not set");
    const dir = tempDir();
    const data = writeJsonl(join(dir, "rows.jsonl"), [{ q: "a" }]);
    const args = ["batch", TENANT_FLOW, "--data", data, "--output", join(dir, "out.jsonl"), ...TENANT_MAPS];
    const batch = await runCli([...args, "--queue", "redis://127.0.0.1:1"], { env: { WEFT_HOME: dir } });
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain("WEFT_SECRET_KEY is not set");
  });
});

describe.skipIf(skip !== undefined)("weft batch --queue --status and --cancel", () => {
  let redis: TestRedis;
  /** `--queue` and a key prefix of this test's own: tests sharing one Redis never see each other's rows. */
  let queue: string[] = [];
  let prefix = "";
  let server: LlmServer;
  beforeAll(async () => {
    redis = await startTestRedis();
    server = await startLlmServer();
  });
  beforeEach(() => {
    prefix = testPrefix("cli");
    queue = ["--queue", redis.url, "--queue-prefix", prefix];
  });
  afterEach(async () => {
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  it("shows a running batch's progress, and cancels it from another process", async () => {
    const dir = tempDir();
    const data = writeJsonl(
      join(dir, "rows.jsonl"),
      tenantRows(20, server.url, [["t", "test-key-t-000001"]]),
    );
    const output = join(dir, "out.jsonl");
    const args = ["batch", TENANT_FLOW, "--data", data, "--output", output, ...TENANT_MAPS];
    // No worker runs: the rows wait in the queue.
    const producer = spawnCli([...args, ...queue, "--batch-id", "night-1"], queueEnv());
    const control = (flag: string) =>
      runCli(["batch", ...queue, "--batch-id", "night-1", flag], { env: queueEnv() });
    let status = await control("--status");
    for (let tries = 0; !status.stdout.includes("20 in flight") && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      status = await control("--status");
    }
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("batch night-1: running");
    expect(status.stdout).toContain("20 in flight");
    const cancel = await control("--cancel");
    expect(cancel.code, cancel.stderr).toBe(0);
    const result = await producer.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain("20 cancelled");
    const after = await control("--status");
    expect(after.stdout).toContain("batch night-1: cancelled");
    const unknown = await runCli(["batch", ...queue, "--batch-id", "nope", "--status"], {
      env: queueEnv(),
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Redis knows no batch nope");
    expect(server.requests).toHaveLength(0);
  }, 60_000);

  it("runs a flow's static connection from the worker's own store, whose key file is not WEFT_SECRET_KEY", async () => {
    const dir = tempDir();
    const home = tempDir();
    const storeKey = "test-key-worker-store-0001";
    const created = await runCli(
      [
        "connection",
        "create",
        "llm",
        "--type",
        "azure-ai",
        "--endpoint",
        `${server.url}/models`,
        "--api-key-env",
        "K",
      ],
      { env: { WEFT_HOME: home, K: storeKey } },
    );
    expect(created.code, created.stderr).toBe(0);
    const flow = join(dir, "hello.flow.json");
    writeFileSync(
      flow,
      JSON.stringify({
        inputs: { question: { type: "string" } },
        nodes: [
          {
            id: "answer",
            type: "chat-completion",
            connection: "llm",
            inputs: { model: "gpt-4o-mini", prompt: "${inputs.question}" },
          },
        ],
        outputs: { answer: "${nodes.answer.output.content}" },
      }),
    );
    const data = writeJsonl(join(dir, "rows.jsonl"), [{ question: "one" }, { question: "two" }]);
    const output = join(dir, "out.jsonl");
    // The store was made with a key file; the queue's WEFT_SECRET_KEY is another key.
    const pool = new WorkerPool(queue, { env: { WEFT_HOME: home } });
    await pool.start(1);
    try {
      const batch = await runCli(["batch", flow, "--data", data, "--output", output, ...queue], {
        env: queueEnv(),
      });
      expect(batch.code, batch.stderr).toBe(0);
      expect(readResults(output).map((line) => line.status)).toEqual(["succeeded", "succeeded"]);
      expect(server.requests.map((entry) => entry.lastUserMessage).sort()).toEqual(["one", "two"]);
    } finally {
      await pool.stop();
    }
  }, 60_000);
});
