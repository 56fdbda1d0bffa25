import { type BatchRow, type BatchRowResult, FlowError, toErrorInfo } from "@weft/engine";
import type { JobsOptions } from "bullmq";
import { jobIdOf } from "../keys.js";
import { MAX_JOB_DATA_BYTES } from "../limits.js";
import { seal } from "../seal.js";
import type { RowJobData } from "../worker/run-job.js";

/** A row's job: its id is the batch's and the row's; done jobs leave Redis (their results travel on the batch's results list). */
export function rowJobOptions(batchId: string, index: number, attempts: number): JobsOptions {
  return {
    jobId: jobIdOf(batchId, index),
    attempts,
    backoff: { type: "exponential", delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: true,
  };
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
