import { type BatchRow, type BatchRowResult, FlowError, toErrorInfo } from "@weft/engine";
import type { JobsOptions } from "bullmq";
import { jobIdOf } from "../keys.js";
import { MAX_JOB_DATA_BYTES } from "../limits.js";
import { seal } from "../seal.js";
import type { RowJobData } from "../worker/run-job.js";

/** A row's job: its id is the batch's and the row's; done jobs leave Redis (their results came back). */
export function rowJobOptions(batchId: string, index: number, attempts: number): JobsOptions {
  return {
    jobId: jobIdOf(batchId, index),
    attempts,
    backoff: { type: "exponential", delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/** The result a worker handed back for a row (its result line, parsed). */
export function resultOfCompleted(index: number, returnvalue: unknown): BatchRowResult {
  try {
    return { ...(JSON.parse(String(returnvalue)) as BatchRowResult), index };
  } catch {
    const error = { code: "queue.row" as const, message: "the worker's result line is not JSON" };
    return { index, status: "failed", error, durationMs: 0 };
  }
}

/** A row whose job failed for good (`queue.row`), in words: never the row's data. */
export function resultOfFailure(index: number, failedReason: string, attempts: number): BatchRowResult {
  let message: string;
  if (/stalled more than/i.test(failedReason)) {
    message =
      "the row's worker stopped while running it too many times (killed, crashed or out of memory): not run again";
  } else {
    const reason = failedReason.length > 500 ? `${failedReason.slice(0, 500)}…` : failedReason;
    message = `the row's job failed (at most ${attempts} attempts): ${reason}`;
  }
  return { index, status: "failed", error: { code: "queue.row", message }, durationMs: 0 };
}

/** A row taken off the queue by a cancel: not done, a resumed batch runs it. */
export function cancelledResult(index: number): BatchRowResult {
  const error = { code: "run.cancelled" as const, message: "the batch was cancelled" };
  return { index, status: "cancelled", error, durationMs: 0 };
}

/** A row as its job's data (sealed), or the row's failure: a line the reader could not parse, a row too large. */
export function rowJobData(
  batchId: string,
  index: number,
  item: BatchRow | Error,
  key: Buffer,
): RowJobData | BatchRowResult {
  let error: Error | undefined = item instanceof Error ? item : undefined;
  if (!error) {
    const data = { b: batchId, i: index, r: seal(key, JSON.stringify(item)) };
    if (data.r.length <= MAX_JOB_DATA_BYTES) return data;
    error = new FlowError(
      "batch.row",
      `the row is too large for a job: more than ${MAX_JOB_DATA_BYTES} bytes sealed`,
    );
  }
  return { index, status: "failed", error: toErrorInfo(error), durationMs: 0 };
}
