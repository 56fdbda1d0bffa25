import { toErrorInfo } from "../errors/flow-error.js";
import type { RunHandle } from "../run/run-handle.js";
import { roundMs } from "../run/run-result.js";
import type { RunSlot } from "../run/run-waits.js";
import type { BatchRow, BatchRowResult, BatchRows, BatchStopReason } from "./batch-options.js";
import { BatchSlots, type RowSlot } from "./batch-slots.js";
import { checkRow } from "./check-row.js";
import { type RowInputPlan, rowInputs } from "./row-inputs.js";

/** Starts one row's run: `engine.run` with the batch's per-run options, and the row's slot. */
export type StartRowRun = (inputs: Record<string, unknown>, slot: RunSlot) => RunHandle;

/** @internal What `BatchRun` needs; `engine.batch` checks and supplies it. */
export interface BatchRunSettings {
  startRun: StartRowRun;
  plan: RowInputPlan;
  concurrency: number;
  maxWaitingRows: number;
  maxFailures: number;
  skip: ((index: number) => boolean) | undefined;
  signal: AbortSignal | undefined;
}

/**
 * A batch: one flow over many rows, up to `concurrency` rows at once on one engine (and up to
 * `maxWaitingRows` more while rows wait on throttled or limited connections: see `BatchSlots`). Iterate it
 * (once) for each row's result as the row ends, in the order rows end. Rows are read only when a
 * slot is free and fewer than `concurrency` results wait for the reader, so neither a long source
 * nor a slow reader makes memory grow. Stopping (the signal, `cancel()`, `maxFailures`) stops
 * reading; the rows in flight still end and are reported (`cancelled` when the batch was
 * cancelled). Leaving the loop early cancels the rows in flight and waits for them.
 */
export class BatchRun implements AsyncIterable<BatchRowResult> {
  readonly #settings: BatchRunSettings;
  readonly #rows: BatchRows;
  readonly #slots: BatchSlots;
  /**
   * The runs in flight, cancelled one by one when the batch is. Not one signal shared by every
   * run: a run given a signal listens to it, and that costs more per row than the row's own
   * scheduling.
   */
  readonly #runs = new Set<RunHandle>();
  #cancelReason: string | undefined;
  #stopReason: BatchStopReason | undefined;
  #iterated = false;
  #source: Iterator<BatchRow | Error> | AsyncIterator<BatchRow | Error> | undefined;
  #sourceDone = false;
  #sourceError: { error: unknown } | undefined;
  readonly #ready: BatchRowResult[] = [];
  readonly #pending = new Set<Promise<void>>();
  #waiting:
    | { resolve: (result: IteratorResult<BatchRowResult>) => void; reject: (error: unknown) => void }
    | undefined;
  #pumping = false;
  #ended = false;
  #rowsRead = 0;
  #skipped = 0;
  #running = 0;
  #failed = 0;

  /** @internal Use `engine.batch()`. */
  constructor(rows: BatchRows, settings: BatchRunSettings) {
    this.#rows = rows;
    this.#settings = settings;
    this.#slots = new BatchSlots(settings.concurrency, settings.maxWaitingRows, () => this.#pump());
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

  /** Rows running now, those waiting on their connections included. */
  get inFlight(): number {
    return this.#running;
  }

  /**
   * Rows in flight that wait on a throttled or limited connection (or for a slot to go on after
   * such a wait) and hold none of the `concurrency` slots meanwhile.
   */
  get waiting(): number {
    return this.#slots.waiting;
  }

  /** Stops the batch: no new row starts, rows in flight are cancelled (and reported `cancelled`). */
  cancel(reason = "the batch was cancelled"): void {
    this.#stop("cancelled");
    if (this.#cancelReason !== undefined) return;
    this.#cancelReason = reason;
    for (const run of this.#runs) run.cancel(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<BatchRowResult> {
    if (this.#iterated) throw new TypeError("Expected a batch to be iterated once, got a second iteration");
    this.#iterated = true;
    const { signal } = this.#settings;
    this.#source = iteratorOf(this.#rows);
    if (signal?.aborted) this.#onAbort();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#pump();
    return {
      next: () => this.#next(),
      return: () => this.#return(),
    };
  }

  #stop(reason: BatchStopReason): void {
    this.#stopReason ??= reason;
  }

  readonly #onAbort = (): void => {
    const reason = this.#settings.signal?.reason;
    this.cancel(typeof reason === "string" ? reason : "the batch was cancelled");
    this.#settle();
  };

  /**
   * The reader's next result: one waiting already, or the next row to end. A plain iterator over
   * a queue rather than an async generator: each result costs one promise, not a generator's
   * round of them.
   */
  #next(): Promise<IteratorResult<BatchRowResult>> {
    const result = this.#ready.shift();
    if (result) {
      this.#pump();
      return Promise.resolve({ value: result, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#settle();
    });
  }

  /** The reader left early: cancel the rows in flight, wait for them, close the source. */
  async #return(): Promise<IteratorResult<BatchRowResult>> {
    if (!this.#ended) {
      this.cancel("the batch's reader stopped");
      await Promise.all(this.#pending);
      await this.#end();
    }
    return { value: undefined, done: true };
  }

  /**
   * Starts rows while a slot is free and fewer than `concurrency` results wait for the reader.
   * One pump at a time: rows are read in order, and an async source is never read twice at once.
   */
  #pump(): void {
    if (this.#pumping || this.#ended) return;
    this.#pumping = true;
    const { concurrency, skip } = this.#settings;
    const source = this.#source!;
    const step = (): void => {
      while (
        this.#stopReason === undefined &&
        !this.#sourceDone &&
        this.#slots.canStart &&
        this.#ready.length < concurrency
      ) {
        let pulled: IteratorResult<BatchRow | Error> | Promise<IteratorResult<BatchRow | Error>>;
        try {
          pulled = source.next();
        } catch (error) {
          this.#sourceFailed(error);
          break;
        }
        if (pulled instanceof Promise) {
          pulled.then(
            (next) => {
              this.#take(next, skip);
              step();
            },
            (error) => {
              this.#sourceFailed(error);
              this.#pumping = false;
              this.#settle();
            },
          );
          return;
        }
        this.#take(pulled, skip);
      }
      this.#pumping = false;
      this.#settle();
    };
    step();
  }

  /** One row read from the source: passed over, or started. */
  #take(next: IteratorResult<BatchRow | Error>, skip: ((index: number) => boolean) | undefined): void {
    if (next.done) {
      this.#sourceDone = true;
      return;
    }
    const index = this.#rowsRead++;
    if (skip?.(index)) {
      this.#skipped++;
      return;
    }
    // A stop while the source was read (Ctrl-C) starts nothing more.
    if (this.#stopReason !== undefined) return;
    this.#running++;
    const slot = this.#slots.start();
    const running = this.#runRow(index, next.value, slot).then((result) => {
      this.#running--;
      this.#pending.delete(running);
      if (result.status === "failed" && ++this.#failed >= this.#settings.maxFailures)
        this.#stop("max-failures");
      const waiting = this.#waiting;
      if (waiting) {
        this.#waiting = undefined;
        waiting.resolve({ value: result, done: false });
      } else this.#ready.push(result);
      // After the result is handed over: a freed slot pumps, and the pump may end the iteration.
      this.#slots.end(slot);
      this.#pump();
    });
    this.#pending.add(running);
  }

  #sourceFailed(error: unknown): void {
    this.#sourceError = { error };
    this.#stop("source-error");
  }

  /** Ends the iteration once nothing runs, nothing waits and nothing more will be read. */
  #settle(): void {
    if (this.#ended || !this.#waiting || this.#ready.length > 0 || this.#running > 0 || this.#pumping) return;
    if (!this.#sourceDone && this.#stopReason === undefined) return;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    void this.#end().then(() => {
      if (this.#sourceError) waiting.reject(this.#sourceError.error);
      else {
        this.#stop("completed");
        waiting.resolve({ value: undefined, done: true });
      }
    });
  }

  async #end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#settings.signal?.removeEventListener("abort", this.#onAbort);
    if (!this.#sourceDone) await this.#source?.return?.();
  }

  /** Runs one row; never rejects: a row that cannot run is a failed result. */
  async #runRow(index: number, row: BatchRow | Error, slot: RowSlot): Promise<BatchRowResult> {
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
      handle = this.#settings.startRun(rowInputs(this.#settings.plan, row as BatchRow), slot);
    } catch (error) {
      return failure(error);
    }
    this.#runs.add(handle);
    const result = await handle.result;
    this.#runs.delete(handle);
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
