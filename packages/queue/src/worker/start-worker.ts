import { Worker } from "bullmq";
import { DEFAULT_PREFIX, ROWS_QUEUE } from "../keys.js";
import { connectRedis } from "../redis.js";
import { readSecretKey } from "../seal.js";
import { BatchCache } from "./batch-cache.js";
import { type RowJobData, RowJobRunner } from "./run-job.js";
import { type WorkerEngineOptions, workerEngines } from "./worker-engine.js";

/** Options of `startWorker`. */
export interface WorkerOptions extends WorkerEngineOptions {
  /** The Redis to take rows from: `redis://host:port[/db]`. */
  url: string;
  /** `WEFT_SECRET_KEY`'s value (64 hex digits or base64 of 32 bytes), or the key itself. */
  secretKey: string | Buffer;
  /** The key prefix, the producer's (`weft` unless set). */
  prefix?: string;
  /** Rows this worker runs at once. 8 unless set. */
  concurrency?: number;
  /**
   * How long a row's lock lasts without renewal, in ms (BullMQ's `lockDuration`, 30 000 unless
   * set): a worker killed mid-row loses it after this, and another worker runs the row again.
   */
  lockDurationMs?: number;
  /** How often stalled rows are looked for, in ms (BullMQ's `stalledInterval`, 30 000 unless set). */
  stalledIntervalMs?: number;
  /** Times a row may stall (its worker killed or crashed) before it fails as `queue.row`. 1 unless set. */
  maxStalledCount?: number;
  /** Lines about the connection to Redis (lost, back): for the worker's log. */
  log?: (line: string) => void;
}

/** A running worker. */
export interface QueueWorker {
  /** Stops taking rows and waits for the rows it runs to end (their results are kept). */
  close(): Promise<void>;
  /** Stops at once: the rows it runs are picked up by another worker once their locks expire. */
  kill(): Promise<void>;
}

/**
 * Starts a worker: takes rows of any batch from Redis, fetches each batch's flow by its hash (once),
 * runs each row on its own engine and hands back the row's result line. Stalled rows (a worker
 * killed mid-row) go back to the queue; a row that stalls or fails too often fails as `queue.row`.
 */
export async function startWorker(options: WorkerOptions): Promise<QueueWorker> {
  const secretKey =
    typeof options.secretKey === "string" ? readSecretKey(options.secretKey) : options.secretKey;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const client = await connectRedis(options.url);
  const log = options.log ?? (() => {});
  let lost = false;
  let closing = false;
  client.on("close", () => {
    if (!lost && !closing) log("lost the connection to Redis; reconnecting");
    lost = true;
  });
  client.on("ready", () => {
    if (lost) log("connected to Redis again");
    lost = false;
  });
  const engines = workerEngines(options, { client, prefix });
  const runner = new RowJobRunner(new BatchCache(client, prefix, secretKey, engines));
  const worker = new Worker<RowJobData, void>(ROWS_QUEUE, (job) => runner.run(job), {
    connection: client,
    prefix,
    concurrency: options.concurrency ?? 8,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 1,
    // Redis may restart: retry the blocking connection rather than give up.
    runRetryDelay: 500,
  });
  worker.on("error", () => {});
  // A job failed for good (its attempts spent, a wrong key, a row that stopped its workers too
  // often): its producer learns it from the batch's results list, like a result.
  worker.on("failed", (job, error) => {
    if (job?.finishedOn) void runner.reportFailure(job, error).catch(() => {});
  });
  await worker.waitUntilReady();
  const end = async (force: boolean) => {
    closing = true;
    // Without Redis, the rows running could not hand back their results: waiting for them would
    // wait for Redis. They run again on another worker, as a killed worker's rows do.
    await worker.close(force || lost).catch(() => {});
    await engines.close().catch(() => {});
    client.disconnect();
  };
  return { close: () => end(false), kill: () => end(true) };
}
