import { readFileSync } from "node:fs";
import { join } from "node:path";
import { failureOutcome } from "../compare.js";
import { summarize } from "../measure.js";
import { startMockLlmProcess } from "../mock-llm-process.js";
import { repoRoot } from "../paths.js";
import { startRedis, startWorkers } from "../queue-processes.js";
import type { Section } from "../results.js";
import type { SuiteContext } from "./suite.js";

const key = "test-key-bench-queue";
const secretKey = Buffer.alloc(32, 11).toString("base64");
/**
 * Every answer waits this long; each worker runs this many rows at once. Few rows at once, so that
 * 4 workers (320 rows/s ideal) stay I/O-bound on a 2-core machine, as real model calls of seconds
 * keep workers: with 16 at once, 4 workers ask for 1,280 rows/s, past what 2 cores move through
 * the producer, Redis, the workers and the server together (see the note of answers at once).
 */
const latencyMs = 50;
const perWorker = 4;
const workerCounts = [1, 2, 4];
const map = new Map([
  ["question", "${data.q}"],
  ["tenant", "${data.tenant}"],
  ["tenantKey", "${data.key}"],
  ["endpoint", "${data.endpoint}"],
]);

/**
 * Rows per sample: 40 rounds of every worker's rows at once (about 2 s), whatever the worker count.
 * Five samples, as the other workloads take, after a warm-up of one sample's rows.
 */
const plan = (quick: boolean, workers: number) =>
  quick ? { rows: perWorker * workers * 10, samples: 1 } : { rows: perWorker * workers * 40, samples: 5 };

/**
 * W11: a batch's rows on 1, 2 and 4 `weft worker` processes through Redis, each row one chat call
 * answered after 50 ms by `weft mock-llm`: rows/s ÷ (N × one worker's rows/s). And the queue's
 * cost per row: one worker with answers at once against the same rows run by `engine.batch` here.
 */
export async function measureQueue({ quick, progress }: SuiteContext): Promise<Section> {
  const section: Section = {
    id: "W11",
    title: `a batch on weft worker processes through Redis (BullMQ), ${perWorker} rows at once per worker, ${latencyMs} ms an answer`,
    metric: "rows/s",
    ratioColumns: ["÷ N × one worker"],
    detailColumns: ["ideal rows/s"],
    rows: [],
    notes: [
      `ideal: N × ${perWorker} rows ÷ ${latencyMs} ms = N × ${(perWorker * 1000) / latencyMs} rows/s; target ≥ 0.9 × N × one worker while I/O-bound`,
      "producer in this process, workers and weft mock-llm in processes of their own, Redis from redis-server (or WEFT_BENCH_REDIS_URL)",
    ],
  };
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  const servers: Array<{ close: () => void }> = [];
  try {
    redis = await startRedis();
    const slow = await startMockLlmProcess(key, latencyMs);
    const fast = await startMockLlmProcess(key, 0);
    servers.push(slow, fast);
    const { createEngine } = await import("@weft/engine");
    const { builtinConnectionKinds, builtinNodeTypes } = await import("@weft/nodes");
    const { startQueueBatch } = await import("@weft/queue");
    const engine = createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds });
    const flow = engine.compile(
      readFileSync(join(repoRoot, "test/fixtures/batch/tenant-chat.flow.json"), "utf8"),
    );
    const rowsAt = (url: string, count: number) =>
      Array.from({ length: count }, (_, index) => ({
        q: `row-${index}`,
        tenant: "bench",
        key,
        endpoint: `${url}/openai/deployments/gpt-4o-mini`,
      }));
    const check = (status: string, message?: string) => {
      if (status !== "succeeded") throw new Error(`a row ${status}: ${message}`);
    };
    const queued = async (prefix: string, url: string, count: number) => {
      const start = performance.now();
      const batch = await startQueueBatch({
        url: redis!.url,
        prefix,
        secretKey,
        flow,
        rows: rowsAt(url, count),
        map,
      });
      for await (const result of batch) check(result.status, result.error?.message);
      return count / ((performance.now() - start) / 1000);
    };
    const rates = new Map<number, number>();
    let overheadQueued = 0;
    for (const count of workerCounts) {
      const { rows, samples } = plan(quick, count);
      progress(`W11 queue: ${count} worker(s), ${rows} rows × ${samples}`);
      const prefix = `bench-${count}`;
      const workers = await startWorkers(count, {
        url: redis.url,
        prefix,
        secretKey,
        concurrency: perWorker,
      });
      try {
        // Warm-up: new worker processes compile their hot paths during the first rows they run.
        await queued(prefix, slow.url, quick ? perWorker * count * 2 : rows);
        const perSample: number[] = [];
        for (let sample = 0; sample < samples; sample++) perSample.push(await queued(prefix, slow.url, rows));
        const value = summarize(perSample);
        rates.set(count, value.median);
        const one = rates.get(1) ?? value.median;
        section.rows.push({
          case: `${count} worker${count === 1 ? "" : "s"}`,
          adapter: "weft",
          status: "ok",
          value,
          ratios: { "÷ N × one worker": value.median / (count * one) },
          details: { "ideal rows/s": String((count * perWorker * 1000) / latencyMs) },
        });
        if (count === 1) overheadQueued = await queued(prefix, fast.url, rows);
      } finally {
        await workers.stop();
      }
    }
    const runLocal = async (count: number) => {
      const start = performance.now();
      for await (const result of engine.batch(flow, rowsAt(fast.url, count), { map, concurrency: perWorker }))
        check(result.status, result.error?.message);
      return count / ((performance.now() - start) / 1000);
    };
    const { rows } = plan(quick, workerCounts.at(-1)!);
    await runLocal(rows); // warm-up: sockets, JIT
    const local = await runLocal(rows);
    section.notes.push(
      `queue overhead, answers at once: one worker ${overheadQueued.toFixed(0)} rows/s, engine.batch in one process ${local.toFixed(0)} rows/s: ${(1000 / overheadQueued - 1000 / local).toFixed(2)} ms more per row`,
    );
  } catch (error) {
    const outcome = failureOutcome(error);
    section.rows.push({ case: "queue", adapter: "weft", status: outcome.status, reason: outcome.reason });
  } finally {
    for (const server of servers) server.close();
    redis?.close();
  }
  return section;
}
