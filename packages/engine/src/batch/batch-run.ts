import { setMaxListeners } from "node:events";
import { FlowError, toErrorInfo } from "../errors/flow-error.js";
import type { RunHandle } from "../run/run-handle.js";
import { roundMs } from "../run/run-result.js";
import type { BatchRow, BatchRowResult, BatchRows, BatchStopReason } from "./batch-options.js";
import { checkRow } from "./check-row.js";
import { type RowInputPlan, rowInputs } from "./row-inputs.js";

/** Starts one row's run: `engine.run` with the batch's per-run options. */
export type StartRowRun = (inputs: Record<string, unknown>, signal: AbortSignal) => RunHandle;

/** @internal What `BatchRun` needs; `engine.batch` checks and supplies it. */
export interface BatchRunSettings {
  startRun: StartRowRun;
  plan: RowInputPlan;
  concurrency: number;
  maxFailures: number;
  skip: ((index: number) => boolean) | undefined;
  signal: AbortSignal | undefined;
}

/**
 * A batch: one flow over many rows, up to `concurrency` rows at once on one engine. Iterate it
 * (once) for each row's result as the row ends, in the order rows end. Rows are read only when a
 * slot is free and fewer than `concurrency` results wait for the reader, so neither a long source
 * nor a slow reader makes memory grow. Stopping (the signal, `cancel()`, `maxFailures`) stops
 * reading; the rows in flight still end and are reported (`cancelled` when the batch was
 * cancelled). Leaving the loop early cancels the rows in flight and waits for them.
 */
export class BatchRun implements AsyncIterable<BatchRowResult> {
  readonly #settings: BatchRunSettings;
  readonly #rows: BatchRows;
  readonly #controller = new AbortController();
  #stopReason: BatchStopReason | undefined;
  #iterated = false;
  #rowsRead = 0;
  #skipped = 0;
  #running = 0;
  #failed = 0;

  /** @internal Use `engine.batch()`. */
  constructor(rows: BatchRows, settings: BatchRunSettings) {
    this.#rows = rows;
    this.#settings = settings;
    // One signal for every run in flight: many listeners are expected, not a leak.
    setMaxListeners(0, this.#controller.signal);
  }

  /** Why the batch stopped reading rows; `undefined` while it reads. */
  get stopReason(): BatchStopReason | undefined {
    return this.#stopReason;
  }

  /** Rows read from the source so far, those passed over by `skip` included. */
  get rowsRead(): number {
    return this.#rowsRead;
  }

  /** Rows passed over by `skip` so far. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Rows running now. */
  get inFlight(): number {
    return this.#running;
  }

  /** Stops the batch: no new row starts, rows in flight are cancelled (and reported `cancelled`). */
  cancel(reason = "the batch was cancelled"): void {
    this.#stop("cancelled");
    this.#controller.abort(new FlowError("run.cancelled", reason));
  }

  [Symbol.asyncIterator](): AsyncIterator<BatchRowResult> {
    if (this.#iterated) throw new TypeError("Expected a batch to be iterated once, got a second iteration");
    this.#iterated = true;
    return this.#results();
  }

  #stop(reason: BatchStopReason): void {
    this.#stopReason ??= reason;
  }

  async *#results(): AsyncGenerator<BatchRowResult, void, undefined> {
    const { concurrency, maxFailures, skip, signal } = this.#settings;
    const source = iteratorOf(this.#rows);
    const ready: BatchRowResult[] = [];
    const pending = new Set<Promise<void>>();
    let wake: (() => void) | undefined;
    const notify = () => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    const onAbort = () => {
      this.cancel(typeof signal?.reason === "string" ? signal.reason : "the batch was cancelled");
      notify();
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    let sourceDone = false;
    let sourceError: { error: unknown } | undefined;
    let finished = false;
    try {
      for (;;) {
        while (
          this.#stopReason === undefined &&
          !sourceDone &&
          this.#running < concurrency &&
          ready.length < concurrency
        ) {
          let next: IteratorResult<BatchRow | Error>;
          try {
            next = await source.next();
          } catch (error) {
            sourceError = { error };
            this.#stop("source-error");
            break;
          }
          if (next.done) {
            sourceDone = true;
            break;
          }
          const index = this.#rowsRead++;
          if (skip?.(index)) {
            this.#skipped++;
            continue;
          }
          // A stop while the source was read (Ctrl-C) starts nothing more.
          if (this.#stopReason !== undefined) break;
          this.#running++;
          const running = this.#runRow(index, next.value).then((result) => {
            this.#running--;
            pending.delete(running);
            if (result.status === "failed" && ++this.#failed >= maxFailures) this.#stop("max-failures");
            ready.push(result);
            notify();
          });
          pending.add(running);
        }
        const result = ready.shift();
        if (result) {
          yield result;
          continue;
        }
        if (this.#running === 0 && (sourceDone || this.#stopReason !== undefined)) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      finished = true;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (!finished) {
        // The reader left the loop (or threw): nothing it no longer awaits may keep running.
        this.cancel("the batch's reader stopped");
        await Promise.all(pending);
      }
      if (!sourceDone) await source.return?.();
    }
    if (sourceError) throw sourceError.error;
    this.#stop("completed");
  }

  /** Runs one row; never rejects: a row that cannot run is a failed result. */
  async #runRow(index: number, row: BatchRow | Error): Promise<BatchRowResult> {
    const started = performance.now();
    const failure = (error: unknown): BatchRowResult => ({
      index,
      status: "failed",
      error: toErrorInfo(error),
      durationMs: roundMs(performance.now() - started),
    });
    const problem = checkRow(row);
    if (problem) return failure(problem);
    let handle: RunHandle;
    try {
      handle = this.#settings.startRun(
        rowInputs(this.#settings.plan, row as BatchRow),
        this.#controller.signal,
      );
    } catch (error) {
      return failure(error);
    }
    const result = await handle.result;
    return {
      index,
      status: result.status,
      ...(result.status === "succeeded" ? { outputs: result.outputs } : {}),
      ...(result.error ? { error: result.error } : {}),
      usage: result.usage,
      durationMs: roundMs(performance.now() - started),
      runId: result.runId,
    };
  }
}

function iteratorOf(rows: BatchRows): Iterator<BatchRow | Error> | AsyncIterator<BatchRow | Error> {
  if (Symbol.asyncIterator in rows) return rows[Symbol.asyncIterator]();
  if (Symbol.iterator in rows) return rows[Symbol.iterator]();
  throw new TypeError("Expected `rows` to be an iterable or async iterable of row objects");
}
