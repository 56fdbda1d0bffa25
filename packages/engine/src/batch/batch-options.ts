import type { ErrorInfo } from "../errors/flow-error.js";
import type { RunUsage } from "../run/run-result.js";

/** One row of a batch: column values by column name (a JSONL object, a CSV record). */
export type BatchRow = Readonly<Record<string, unknown>>;

/**
 * What a batch reads rows from: any iterable or async iterable. It is read only as fast as rows
 * are run, so a generator over a file of any length keeps memory flat. An item that is an `Error`
 * (a line the reader could not parse) is that row's failure, not the batch's; a source that
 * throws stops the batch (`BatchRun` rethrows it once the rows in flight have ended).
 */
export type BatchRows = Iterable<BatchRow | Error> | AsyncIterable<BatchRow | Error>;

/** Options of `engine.batch`. */
export interface BatchOptions {
  /** Rows running at once, from 1 to `MAX_BATCH_CONCURRENCY`. `DEFAULT_BATCH_CONCURRENCY` (8) unless set. */
  concurrency?: number;
  /**
   * Rows that may wait on a throttled or limited connection on top of `concurrency`, from 0 to
   * `MAX_BATCH_WAITING_ROWS`; `DEFAULT_BATCH_MAX_WAITING_ROWS` (1,000) unless set. A row whose run
   * only waits on its connections (a back-off after a 429 and the retry delay it asked for, a full
   * `requestsPerMinute` / `tokensPerMinute` window, a connection at its `maxConcurrency`) gives its
   * slot to the next row, so that one throttled tenant's rows do not stall the other tenants'. It
   * takes a slot again, ahead of new rows, before it sends its next request: no more than
   * `concurrency` rows send at once, and at most `concurrency + maxWaitingRows` are in flight.
   * `0` keeps waiting rows in their slots.
   */
  maxWaitingRows?: number;
  /**
   * Stop starting rows once this many have failed (rows in flight still end and are reported).
   * No limit unless set.
   */
  maxFailures?: number;
  /**
   * Where inputs come from, by input name: a template over the row's columns, such as
   * `${data.question}` (keeps the column's type) or `Tell me about ${data.topic}` (text). `$${`
   * writes a literal `${`. Inputs not mapped take the value of `inputs`, else of the column of the
   * same name.
   */
  map?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Values for inputs that are the same in every row (a shared key, a model name). */
  inputs?: Readonly<Record<string, unknown>>;
  /**
   * Row values are text (CSV): a string given to a `number`, `boolean`, `object` or `array` input
   * is converted as `weft run --input` does (`"3"` → 3, `"true"` → true, JSON for the others).
   */
  textValues?: boolean;
  /** Aborting it stops the batch: rows in flight end `cancelled`, no new row starts. */
  signal?: AbortSignal;
  /**
   * Rows not to run, by index (counted from 0): those a previous, interrupted batch finished.
   * They are read and passed over, and yield no result.
   */
  skip?: (index: number) => boolean;
  /** Nodes running at once inside each row's run (the engine's `concurrency` unless set). */
  runConcurrency?: number;
  /** `EngineOptions.runTimeoutMs` for each row's run: a row past it fails with `run.timeout`. */
  runTimeoutMs?: number;
  /** `EngineOptions.requestTimeoutMs` for each row's run. */
  requestTimeoutMs?: number;
}

/** How one row ended. `cancelled`: the batch was stopped while it ran; it is not done. */
export type BatchRowStatus = "succeeded" | "failed" | "cancelled";

/**
 * What one row produced: plain data with secrets masked, one line of `weft batch`'s results file.
 * Results come in the order rows end, not the order they were read: `index` says which row.
 */
export interface BatchRowResult {
  /** The row's place in the source, counted from 0 (rows passed over by `skip` included). */
  index: number;
  /** How it ended. */
  status: BatchRowStatus;
  /** The flow's outputs, when the row succeeded. */
  outputs?: Record<string, unknown>;
  /** Why it failed or was cancelled: the run's error, or the row's own (`batch.row`, `input.invalid`). */
  error?: ErrorInfo;
  /**
   * Tokens the row's run used, in all and per connection, as the run result reports them; absent
   * when no run started (a row that could not be turned into inputs).
   */
  usage?: RunUsage;
  /** From the moment the row started until its result, in ms. */
  durationMs: number;
  /** The id of the row's run, as in its events; absent when no run started. */
  runId?: string;
}

/** Why a batch stopped reading rows. */
export type BatchStopReason =
  /** Every row of the source was read and run. */
  | "completed"
  /** The signal was aborted (or `cancel()` called). */
  | "cancelled"
  /** `maxFailures` rows failed. */
  | "max-failures"
  /** The source of rows threw. */
  | "source-error";
