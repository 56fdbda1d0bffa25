import { setOwn } from "../flow/references.js";
import { MAX_BATCH_SLOWEST_ROWS } from "../limits.js";
import { roundMs } from "../run/run-result.js";
import { addUsage, emptyUsage, type Usage } from "../run/usage.js";
import type { BatchRowResult, BatchRowStatus, BatchStopReason } from "./batch-options.js";

/** Tokens (and cost, with prices) one connection used over a batch, and in how many rows. */
export interface BatchConnectionUsage extends Usage {
  /** Rows whose runs used the connection. */
  rows: number;
}

/** One of the slowest rows of a batch. */
export interface BatchSlowRow {
  index: number;
  status: BatchRowStatus;
  durationMs: number;
}

/** What a batch did, in all: the closing summary of `weft batch` and its `--json` document. */
export interface BatchSummary {
  /** Why it stopped reading rows (`undefined` if it has not stopped). */
  stopReason: BatchStopReason | undefined;
  /** Rows that succeeded in this batch. */
  succeeded: number;
  /** Rows that failed in this batch. */
  failed: number;
  /** Rows in flight when the batch was cancelled: not done, a resumed batch runs them. */
  cancelled: number;
  /** Rows passed over because an earlier batch had finished them (`--resume`). */
  skipped: number;
  /** From the first row until the summary, in ms. */
  durationMs: number;
  /** Rows ended (succeeded or failed) per second. */
  rowsPerSecond: number;
  /**
   * Tokens used, in all and per connection identity (the labels of `RunUsage.byConnection`: a
   * static connection's name, or `dynamic:<name or host>`), over the rows of this batch.
   */
  usage: Usage & { byConnection: Record<string, BatchConnectionUsage> };
  /** The slowest rows, slowest first (at most `MAX_BATCH_SLOWEST_ROWS`). */
  slowest: BatchSlowRow[];
}

/**
 * Counts a batch's results as they come: statuses, tokens per connection, the slowest rows. It
 * holds a few numbers per connection and `MAX_BATCH_SLOWEST_ROWS` rows, whatever the batch's
 * length. Usage is added from what each row's run result carries (`RunResult.usage`); prices, when
 * a batch has them, turn the same per-connection counts into cost.
 */
export class BatchTally {
  readonly #startedAt: number;
  readonly #counts: Record<BatchRowStatus, number> = { succeeded: 0, failed: 0, cancelled: 0 };
  readonly #total: Usage = emptyUsage();
  /** By connection label: labels are connection names users chose, so a Map, never object keys. */
  readonly #byConnection = new Map<string, BatchConnectionUsage>();
  readonly #slowest: BatchSlowRow[] = [];

  constructor(startedAt = performance.now()) {
    this.#startedAt = startedAt;
  }

  /** Counts one row's result. */
  add(result: BatchRowResult): void {
    this.#counts[result.status]++;
    const usage = result.usage;
    if (usage) {
      addUsage(this.#total, usage);
      for (const [label, tokens] of Object.entries(usage.byConnection)) {
        let known = this.#byConnection.get(label);
        if (!known) {
          known = { ...emptyUsage(), rows: 0 };
          this.#byConnection.set(label, known);
        }
        addUsage(known, tokens);
        known.rows++;
      }
    }
    this.#noteDuration(result);
  }

  /** Rows ended so far (succeeded, failed or cancelled). */
  get ended(): number {
    return this.#counts.succeeded + this.#counts.failed + this.#counts.cancelled;
  }

  /** Rows failed so far. */
  get failed(): number {
    return this.#counts.failed;
  }

  /** Tokens used so far, in all. */
  get totalTokens(): number {
    return this.#total.totalTokens ?? 0;
  }

  /** Cost so far, with the prices' currency: `undefined` without prices. */
  get cost(): { cost: number | null; currency: string | undefined } | undefined {
    const { cost, currency } = this.#total;
    return cost === undefined ? undefined : { cost, currency };
  }

  /** The summary as of now. */
  summary(stopReason: BatchStopReason | undefined, skipped = 0): BatchSummary {
    const durationMs = performance.now() - this.#startedAt;
    const done = this.#counts.succeeded + this.#counts.failed;
    const byConnection: Record<string, BatchConnectionUsage> = {};
    for (const [label, usage] of this.#byConnection) setOwn(byConnection, label, { ...usage });
    return {
      stopReason,
      ...this.#counts,
      skipped,
      durationMs: roundMs(durationMs),
      rowsPerSecond: durationMs > 0 ? Math.round((done / durationMs) * 1000 * 100) / 100 : 0,
      usage: { ...this.#total, byConnection },
      slowest: this.#slowest.map((row) => ({ ...row })),
    };
  }

  /** Keeps the slowest rows, in a short sorted list. */
  #noteDuration(result: BatchRowResult): void {
    const slowest = this.#slowest;
    const last = slowest[slowest.length - 1];
    if (slowest.length === MAX_BATCH_SLOWEST_ROWS && last && last.durationMs >= result.durationMs) return;
    const row: BatchSlowRow = { index: result.index, status: result.status, durationMs: result.durationMs };
    const at = slowest.findIndex((other) => other.durationMs < row.durationMs);
    slowest.splice(at === -1 ? slowest.length : at, 0, row);
    if (slowest.length > MAX_BATCH_SLOWEST_ROWS) slowest.pop();
  }
}
