import {
  type BatchRow,
  type BatchRowResult,
  MAX_BATCH_RESULT_LINE_LENGTH,
  stringifyBounded,
} from "@weft/engine";
import { type Job, UnrecoverableError } from "bullmq";
import { keys } from "../keys.js";
import { pushResult, resultEntry, resultOfFailure } from "../row-results.js";
import { SealError, unseal } from "../seal.js";
import { type BatchCache, FlowRefusedError } from "./batch-cache.js";

/** What a row's job holds: its batch, its index and its columns, sealed. */
export interface RowJobData {
  /** The batch id. */
  b: string;
  /** The row's index in the data file, from 0. */
  i: number;
  /** The row's JSON, sealed with `WEFT_SECRET_KEY`. */
  r: string;
}

/** How long a worker trusts what it read of a batch's cancel flag. */
const CANCEL_CHECK_MS = 1_000;

/** Runs rows' jobs: the batch from the cache, the row opened with the key, one run per row. */
export class RowJobRunner {
  readonly #cache: BatchCache;
  readonly #cancelled = new Map<string, { cancelled: boolean; at: number }>();

  constructor(cache: BatchCache) {
    this.#cache = cache;
  }

  /**
   * Runs one row and pushes its result line (bounded, secrets masked, as the run result has them)
   * onto the batch's results list, before the job completes: a worker that stops in between leaves
   * a job that runs again, and its producer keeps the first result. Errors that retrying cannot
   * mend (another key, a flow this worker cannot run, data that is not a row's) fail the job at
   * once; others (the batch not in Redis yet) leave it to its attempts.
   */
  async run(job: Job<RowJobData>): Promise<void> {
    const data = job.data;
    if (!isRowJobData(data)) {
      throw new UnrecoverableError(
        "the job is not a weft row (expected a batch id, an index and a sealed row)",
      );
    }
    if (await this.#isCancelled(data.b)) {
      await this.#push(data, JSON.stringify({ index: data.i, status: "cancelled", durationMs: 0 }));
      return;
    }
    let row: BatchRow;
    let ready: Awaited<ReturnType<BatchCache["get"]>>;
    try {
      ready = await this.#cache.get(data.b);
      row = JSON.parse(unseal(this.#cache.secretKey, data.r)) as BatchRow;
    } catch (error) {
      if (error instanceof SealError || error instanceof FlowRefusedError)
        throw new UnrecoverableError(error.message);
      throw error;
    }
    const { spec, engine, flow } = ready;
    const batch = engine.batch(flow, [row], {
      map: new Map(spec.map),
      textValues: spec.textValues,
      concurrency: 1,
      ...(spec.inputs ? { inputs: spec.inputs } : {}),
      ...(spec.runTimeoutMs === undefined ? {} : { runTimeoutMs: spec.runTimeoutMs }),
    });
    let result: BatchRowResult | undefined;
    for await (const each of batch) result = each;
    if (!result) throw new Error("the row's run gave no result");
    await this.#push(
      data,
      stringifyBounded({ ...result, index: data.i }, { maxLength: MAX_BATCH_RESULT_LINE_LENGTH }),
    );
  }

  /** Reports a row whose job failed for good (`queue.row`) to its producer, as a result line. */
  async reportFailure(job: Job<RowJobData>, error: Error): Promise<void> {
    const data = job.data;
    if (!isRowJobData(data)) return;
    const reason = job.failedReason ?? error.message;
    await this.#push(data, JSON.stringify(resultOfFailure(data.i, reason, job.opts.attempts ?? 1)));
  }

  async #push(data: RowJobData, line: string): Promise<void> {
    await pushResult(this.#cache.client, this.#cache.prefix, data.b, resultEntry(data.i, line));
  }

  async #isCancelled(batchId: string): Promise<boolean> {
    const known = this.#cancelled.get(batchId);
    const now = performance.now();
    if (known && now - known.at < CANCEL_CHECK_MS) return known.cancelled;
    const cancelled = (await this.#cache.client.exists(keys.cancel(this.#cache.prefix, batchId))) === 1;
    if (this.#cancelled.size > 1_000) this.#cancelled.clear();
    this.#cancelled.set(batchId, { cancelled, at: now });
    return cancelled;
  }
}

function isRowJobData(data: RowJobData | undefined): data is RowJobData {
  return !!data && typeof data.b === "string" && Number.isSafeInteger(data.i) && typeof data.r === "string";
}
