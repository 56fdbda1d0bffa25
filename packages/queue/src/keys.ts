import { FlowError } from "@weft/engine";
import { MAX_BATCH_ID_LENGTH } from "./limits.js";

/** The BullMQ queue every worker takes rows from. */
export const ROWS_QUEUE = "rows";
/** The key prefix of every key Weft writes, BullMQ's included, unless set. */
export const DEFAULT_PREFIX = "weft";

/** Where a batch's things live in Redis, under one prefix. */
export const keys = {
  flow: (prefix: string, hash: string) => `${prefix}:flow:${hash}`,
  spec: (prefix: string, batchId: string) => `${prefix}:batch:${batchId}:spec`,
  status: (prefix: string, batchId: string) => `${prefix}:batch:${batchId}:status`,
  cancel: (prefix: string, batchId: string) => `${prefix}:batch:${batchId}:cancel`,
  /** The list workers push the batch's row results onto and its producer drains. */
  results: (prefix: string, batchId: string) => `${prefix}:batch:${batchId}:results`,
  job: (prefix: string, jobId: string) => `${prefix}:${ROWS_QUEUE}:${jobId}`,
};

/** A row's job id: unique per batch and row, so that enqueuing a row twice adds one job. */
export function jobIdOf(batchId: string, index: number): string {
  return `${batchId}-${index}`;
}

/** The row index of a job of this batch, or `undefined` for another batch's job. */
export function indexOfJob(batchId: string, jobId: string): number | undefined {
  if (!jobId.startsWith(`${batchId}-`)) return undefined;
  const index = Number(jobId.slice(batchId.length + 1));
  return Number.isSafeInteger(index) && index >= 0 ? index : undefined;
}

/** Checks a batch id: letters, digits, `_` and `-`, at most `MAX_BATCH_ID_LENGTH`. */
export function checkBatchId(batchId: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(batchId) && batchId.length <= MAX_BATCH_ID_LENGTH) return batchId;
  throw new FlowError(
    "queue.config",
    `batch id: expected 1 to ${MAX_BATCH_ID_LENGTH} letters, digits, "_" or "-", got ${JSON.stringify(batchId.slice(0, MAX_BATCH_ID_LENGTH))}${batchId.length > MAX_BATCH_ID_LENGTH ? "…" : ""}`,
  );
}
