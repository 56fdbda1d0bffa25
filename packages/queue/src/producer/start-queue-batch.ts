import { randomUUID } from "node:crypto";
import type { BatchRows, CompiledFlow, Prices } from "@weft/engine";
import { flowHashOf, pricesForSpec, storeBatch } from "../batch-spec.js";
import { checkBatchId, DEFAULT_PREFIX, keys } from "../keys.js";
import { DEFAULT_JOB_ATTEMPTS, DEFAULT_MAX_PENDING_ROWS, MAX_PENDING_ROWS } from "../limits.js";
import { connectRedis } from "../redis.js";
import { readSecretKey } from "../seal.js";
import { QueueBatch } from "./queue-batch.js";

/** Options of `startQueueBatch`. */
export interface QueueBatchOptions {
  /** The Redis the workers take rows from: `redis://host:port[/db]`. */
  url: string;
  /** `WEFT_SECRET_KEY`'s value (64 hex digits or base64 of 32 bytes), or the key: rows and settings are sealed with it. */
  secretKey: string | Buffer;
  /** The key prefix, the workers' (`weft` unless set). */
  prefix?: string;
  /** The batch's id (letters, digits, `_`, `-`); a random one unless set. */
  batchId?: string;
  /** The flow, compiled by an engine with the workers' node types. */
  flow: CompiledFlow;
  /** The rows, read only as fast as workers take them (see `maxPending`). */
  rows: BatchRows;
  /** `BatchOptions.map`: check it first with `engine.batch(flow, [], options)`, which throws for a bad one. */
  map?: ReadonlyMap<string, string>;
  /** `BatchOptions.inputs` (sealed in Redis: they may be keys). */
  inputs?: Readonly<Record<string, unknown>>;
  /** `BatchOptions.textValues`. */
  textValues?: boolean;
  /** Prices: the workers' runs report cost beside tokens. */
  prices?: Prices;
  /** `BatchOptions.runTimeoutMs` for each row's run. */
  runTimeoutMs?: number;
  /** Rows not to enqueue, by index: those a results file already holds (`--resume`). */
  skip?: (index: number) => boolean;
  /** Aborting it cancels the batch. */
  signal?: AbortSignal;
  /** Stop enqueuing rows once this many have failed. */
  maxFailures?: number;
  /** Rows enqueued and not yet back, at most: `DEFAULT_MAX_PENDING_ROWS` unless set, up to `MAX_PENDING_ROWS`. */
  maxPending?: number;
  /** Attempts of a row's job when its worker fails it (not when its run fails: that is a result). 3 unless set. */
  attempts?: number;
  /** How often the producer checks Redis (cancel flag, lost rows, status), in ms. 1 000 unless set. */
  checkIntervalMs?: number;
  /** Lines about the batch for the user (Redis lost the batch, a cancel). */
  log?: (line: string) => void;
}

/**
 * Starts a batch on the queue: connects to Redis, stores the flow (by content hash) and the
 * batch's sealed settings, and gives the batch, which enqueues rows once iterated. Throws
 * `queue.config` for a bad URL, key or batch id and `queue.unreachable` when Redis does not answer.
 */
export async function startQueueBatch(options: QueueBatchOptions): Promise<QueueBatch> {
  const secretKey =
    typeof options.secretKey === "string" ? readSecretKey(options.secretKey) : options.secretKey;
  const batchId = checkBatchId(options.batchId ?? randomUUID().slice(0, 13));
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_ROWS;
  if (!Number.isInteger(maxPending) || maxPending < 1 || maxPending > MAX_PENDING_ROWS)
    throw new RangeError(
      `Expected \`maxPending\` to be a whole number from 1 to ${MAX_PENDING_ROWS}, got ${maxPending}`,
    );
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const flowText = JSON.stringify(options.flow.flow);
  const prices = pricesForSpec(options.prices);
  const stored = {
    flowText,
    spec: {
      flowHash: flowHashOf(flowText),
      map: [...(options.map ?? new Map<string, string>())],
      textValues: options.textValues ?? false,
      ...(options.inputs ? { inputs: { ...options.inputs } } : {}),
      ...(prices ? { prices } : {}),
      ...(options.runTimeoutMs === undefined ? {} : { runTimeoutMs: options.runTimeoutMs }),
    },
  };
  const client = await connectRedis(options.url);
  const resultsClient = await connectRedis(options.url).catch((error: unknown) => {
    client.disconnect();
    throw error;
  });
  try {
    await storeBatch(client, prefix, batchId, secretKey, stored);
    // Results an earlier producer of this batch id left behind belong to no row of this one.
    await client.del(keys.results(prefix, batchId));
  } catch (error) {
    client.disconnect();
    resultsClient.disconnect();
    throw error;
  }
  return new QueueBatch({
    client,
    resultsClient,
    prefix,
    batchId,
    secretKey,
    stored,
    rows: options.rows,
    skip: options.skip,
    signal: options.signal,
    maxFailures: options.maxFailures ?? Infinity,
    maxPending,
    attempts: options.attempts ?? DEFAULT_JOB_ATTEMPTS,
    checkIntervalMs: options.checkIntervalMs ?? 1_000,
    log: options.log ?? (() => {}),
  });
}
