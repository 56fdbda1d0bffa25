import { FlowError } from "@weft/engine";
import type { Redis } from "ioredis";
import { checkBatchId, DEFAULT_PREFIX, jobIdOf, keys } from "./keys.js";
import { BATCH_KEY_TTL_SECONDS } from "./limits.js";
import { connectRedis } from "./redis.js";

/** What a producer last wrote about its batch (once a second while it runs, and when it ends). */
export interface BatchStatus {
  /** The batch's id. */
  batchId: string;
  /** `running`, or why it stopped: `completed`, `cancelled`, `max-failures`, `source-error`. */
  state: string;
  /** Rows read from the data so far, those done before included. */
  rowsRead: number;
  /** Rows passed over because the results file held them (`--resume`). */
  skipped: number;
  /** Rows enqueued and not back yet. */
  inFlight: number;
  /** Rows that succeeded in this run of the producer. */
  succeeded: number;
  /** Rows that failed in this run of the producer. */
  failed: number;
  /** When the producer last wrote this (ISO 8601): a `running` batch not updated for long lost its producer. */
  updatedAt: string;
  /** Whether `--cancel` was asked for. */
  cancelRequested: boolean;
}

/** Writes the status a producer keeps in Redis. */
export async function writeBatchStatus(
  client: Redis,
  prefix: string,
  batchId: string,
  status: Omit<BatchStatus, "batchId" | "updatedAt" | "cancelRequested">,
): Promise<void> {
  const key = keys.status(prefix, batchId);
  await client
    .multi()
    .hset(key, { ...status, updatedAt: new Date().toISOString() })
    .expire(key, BATCH_KEY_TTL_SECONDS)
    .exec();
}

/** Where a batch's status and cancel flag are. */
export interface BatchControlOptions {
  /** The Redis URL: `redis://host:port[/db]`. */
  url: string;
  /** The batch's id, as its producer printed it. */
  batchId: string;
  /** The key prefix, the producer's (`weft` unless set). */
  prefix?: string;
}

/** A batch's status, or `undefined` when Redis knows no batch of that id. */
export async function readBatchStatus(options: BatchControlOptions): Promise<BatchStatus | undefined> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const batchId = checkBatchId(options.batchId);
  const client = await connectRedis(options.url);
  try {
    const [fields, cancel] = await Promise.all([
      client.hgetall(keys.status(prefix, batchId)),
      client.exists(keys.cancel(prefix, batchId)),
    ]);
    if (!fields.state) return undefined;
    const count = (name: string) => Number(fields[name] ?? 0);
    return {
      batchId,
      state: fields.state,
      rowsRead: count("rowsRead"),
      skipped: count("skipped"),
      inFlight: count("inFlight"),
      succeeded: count("succeeded"),
      failed: count("failed"),
      updatedAt: fields.updatedAt ?? "",
      cancelRequested: cancel === 1,
    };
  } finally {
    client.disconnect();
  }
}

/**
 * Asks a running batch to stop: its producer takes its waiting rows off the queue and ends
 * (`cancelled`), workers skip its rows. Throws `queue.config` for a batch Redis does not know.
 */
export async function cancelBatch(options: BatchControlOptions): Promise<void> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const batchId = checkBatchId(options.batchId);
  const client = await connectRedis(options.url);
  try {
    if ((await client.exists(keys.status(prefix, batchId), keys.spec(prefix, batchId))) === 0)
      throw new FlowError("queue.config", `--cancel: Redis knows no batch ${batchId}`);
    await client.set(keys.cancel(prefix, batchId), "1", "EX", BATCH_KEY_TTL_SECONDS);
  } finally {
    client.disconnect();
  }
}

/** Of the rows' indexes, those whose jobs Redis does not hold. */
export async function missingJobs(
  client: Redis,
  prefix: string,
  batchId: string,
  indexes: readonly number[],
): Promise<Set<number>> {
  const missing = new Set<number>();
  if (indexes.length === 0) return missing;
  const pipeline = client.pipeline();
  for (const index of indexes) pipeline.exists(keys.job(prefix, jobIdOf(batchId, index)));
  const answers = (await pipeline.exec()) ?? [];
  indexes.forEach((index, at) => {
    if (answers[at]?.[1] !== 1) missing.add(index);
  });
  return missing;
}
