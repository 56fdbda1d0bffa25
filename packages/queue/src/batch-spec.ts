import { createHash } from "node:crypto";
import { FlowError, type ModelPrice, type Prices } from "@weft/engine";
import type { Redis } from "ioredis";
import { keys } from "./keys.js";
import { BATCH_KEY_TTL_SECONDS } from "./limits.js";
import { SealError, seal, unseal } from "./seal.js";

/** What every row of a batch shares: the flow (by content hash) and how rows become inputs. */
export interface BatchSpec {
  /** SHA-256 (hex) of the flow's JSON text, stored once at `<prefix>:flow:<hash>`. */
  flowHash: string;
  /** `BatchOptions.map`, as pairs. */
  map: Array<[string, string]>;
  /** `BatchOptions.inputs`: may hold keys, so the spec is sealed. */
  inputs?: Record<string, unknown>;
  /** `BatchOptions.textValues`: the rows come from CSV. */
  textValues: boolean;
  /** Prices for cost beside tokens, as pairs of model and price. */
  prices?: { currency: string; models: Array<[string, ModelPrice]> };
  /** `BatchOptions.runTimeoutMs` for each row's run. */
  runTimeoutMs?: number;
}

/** A batch as a worker runs it: the flow's JSON text and the spec. */
export interface StoredBatch {
  flowText: string;
  spec: BatchSpec;
}

/** The SHA-256 (hex) of a flow's JSON text. */
export function flowHashOf(flowText: string): string {
  return createHash("sha256").update(flowText).digest("hex");
}

/** Prices as a spec holds them (pairs, never user names as object keys). */
export function pricesForSpec(prices: Prices | undefined): BatchSpec["prices"] {
  return prices ? { currency: prices.currency, models: [...prices.models] } : undefined;
}

/** Prices from a spec. */
export function pricesOfSpec(prices: BatchSpec["prices"]): Prices | undefined {
  return prices ? { currency: prices.currency, models: new Map(prices.models) } : undefined;
}

/**
 * Stores the flow (by hash: batches of one flow share it) and the batch's sealed spec, or makes
 * them live on: both expire `BATCH_KEY_TTL_SECONDS` after the producer last wrote them. Clears the
 * batch's cancel flag: a batch started again under its id (`--resume`) runs.
 */
export async function storeBatch(
  client: Redis,
  prefix: string,
  batchId: string,
  secretKey: Buffer,
  batch: StoredBatch,
): Promise<void> {
  await client
    .multi()
    .set(keys.flow(prefix, batch.spec.flowHash), batch.flowText, "EX", BATCH_KEY_TTL_SECONDS)
    .set(keys.spec(prefix, batchId), seal(secretKey, JSON.stringify(batch.spec)), "EX", BATCH_KEY_TTL_SECONDS)
    // A producer (re)starting the batch runs it, whatever an earlier one was asked.
    .del(keys.cancel(prefix, batchId))
    .exec();
}

/** Whether Redis still holds the batch's flow and spec (a restarted Redis without a disk holds neither). */
export async function batchStored(
  client: Redis,
  prefix: string,
  batchId: string,
  flowHash: string,
): Promise<boolean> {
  return (await client.exists(keys.flow(prefix, flowHash), keys.spec(prefix, batchId))) === 2;
}

/**
 * Reads a batch back in a worker: opens the spec with the worker's key and checks the flow's text
 * against its hash. A missing batch is an error the job retries (its producer stores it again);
 * a spec that cannot be opened is a `SealError` (the keys differ: retrying will not help).
 */
export async function loadBatch(
  client: Redis,
  prefix: string,
  batchId: string,
  secretKey: Buffer,
): Promise<StoredBatch> {
  const sealed = await client.get(keys.spec(prefix, batchId));
  if (sealed === null)
    throw new FlowError(
      "queue.row",
      `batch ${batchId} is not in Redis: its settings expired or Redis lost them`,
    );
  const spec = JSON.parse(unseal(secretKey, sealed)) as BatchSpec;
  if (typeof spec?.flowHash !== "string")
    throw new SealError(`batch ${batchId}: its settings are not a batch's`);
  const flowText = await client.get(keys.flow(prefix, spec.flowHash));
  if (flowText === null)
    throw new FlowError(
      "queue.row",
      `the flow of batch ${batchId} is not in Redis: it expired or Redis lost it`,
    );
  if (flowHashOf(flowText) !== spec.flowHash)
    throw new FlowError(
      "queue.row",
      `the flow of batch ${batchId} in Redis does not match its hash: it was changed`,
    );
  return { flowText, spec };
}
