import type { BatchRow, BatchRowResult, BatchStopReason } from "@weft/engine";
import { Queue } from "bullmq";
import { batchStored, storeBatch } from "../batch-spec.js";
import { writeBatchStatus } from "../batch-status.js";
import { jobIdOf, keys, ROWS_QUEUE } from "../keys.js";
import { BATCH_KEY_TTL_SECONDS } from "../limits.js";
import { Channel } from "./channel.js";
import { cancelledResult, rowJobData, rowJobOptions } from "./job-results.js";
import { lostRows, type PendingRow } from "./lost-rows.js";
import type { QueueBatchSettings } from "./queue-batch-settings.js";
import { ResultReader } from "./result-reader.js";

/** Jobs added to Redis in one round trip. */
const ADD_CHUNK = 64;

/**
 * A batch whose rows run on workers: iterate it (once) for each row's result as a worker ends it,
 * as `BatchRun` gives them. Rows are read and enqueued only while fewer than `maxPending` are out;
 * each job's id is the batch's and the row's, so a row enqueued twice is one job. Rows whose jobs
 * Redis lost (a restart without a disk) are enqueued again; a result that comes twice counts once.
 */
export class QueueBatch implements AsyncIterable<BatchRowResult> {
  readonly #s: QueueBatchSettings;
  readonly #queue: Queue;
  readonly #reader: ResultReader;
  readonly #results = new Channel<BatchRowResult>();
  readonly #pending = new Map<number, PendingRow>();
  #toAdd: PendingRow[] = [];
  #slot: (() => void) | undefined;
  #stopReason: BatchStopReason | undefined;
  #sourceDone = false;
  #iterated = false;
  #ended = false;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #rowsRead = 0;
  #skipped = 0;
  #counts = { succeeded: 0, failed: 0 };

  /** @internal Use `startQueueBatch()`. */
  constructor(settings: QueueBatchSettings) {
    this.#s = settings;
    this.#queue = new Queue(ROWS_QUEUE, { connection: settings.client, prefix: settings.prefix });
    this.#queue.on("error", () => {});
    this.#reader = new ResultReader(settings.resultsClient, settings.prefix, settings.batchId, (result) =>
      this.#onResult(result),
    );
  }

  /** The batch's id: `--status` and `--cancel` name it. */
  get batchId(): string {
    return this.#s.batchId;
  }
  /** Why the batch stopped reading rows; `undefined` while it reads. */
  get stopReason(): BatchStopReason | undefined {
    return this.#stopReason;
  }
  /** Rows read from the source so far, those passed over by `skip` included. */
  get rowsRead(): number {
    return this.#rowsRead;
  }
  /** Rows passed over by `skip`. */
  get skipped(): number {
    return this.#skipped;
  }
  /** Rows enqueued and not yet back: waiting for a worker or running on one. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Stops the batch: no new row is enqueued, waiting rows are taken off the queue and reported `cancelled`. */
  cancel(reason = "the batch was cancelled"): void {
    if (this.#stopReason === "cancelled" || this.#ended) return;
    this.#stopReason = "cancelled";
    this.#s.log(`cancelling batch ${this.#s.batchId}: ${reason}`);
    void this.#cancelRows();
  }

  /** Ends a batch that will not be iterated: closes its connections to Redis, enqueues nothing. */
  async close(): Promise<void> {
    this.#stopReason ??= "cancelled";
    await this.#end();
  }

  [Symbol.asyncIterator](): AsyncIterator<BatchRowResult> {
    if (this.#iterated) throw new TypeError("Expected a batch to be iterated once, got a second iteration");
    this.#iterated = true;
    this.#reader.start();
    const { signal } = this.#s;
    if (signal?.aborted) this.#onAbort();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#timer = setInterval(() => void this.#check(), this.#s.checkIntervalMs);
    void this.#enqueue();
    return {
      next: () => {
        const next = this.#results.next();
        // A result taken may be the one the reading of rows waits for.
        this.#freeSlot();
        return next;
      },
      return: async () => {
        this.cancel("the batch's reader stopped");
        await this.#end();
        return { value: undefined, done: true };
      },
    };
  }

  readonly #onAbort = (): void => {
    const reason = this.#s.signal?.reason;
    this.cancel(typeof reason === "string" ? reason : "the batch was cancelled");
  };

  /** Reads rows and enqueues them, a chunk at a time, while fewer than `maxPending` are out. */
  async #enqueue(): Promise<void> {
    const { rows, skip, batchId, secretKey, maxPending } = this.#s;
    const refill = Math.min(ADD_CHUNK, Math.ceil(maxPending / 4));
    try {
      for await (const item of rows as AsyncIterable<BatchRow | Error>) {
        if (this.#stopReason !== undefined) break;
        const index = this.#rowsRead++;
        if (skip?.(index)) {
          this.#skipped++;
          continue;
        }
        const data = rowJobData(batchId, index, item, secretKey);
        if ("status" in data) {
          this.#deliver(data);
          continue;
        }
        const pending: PendingRow = { data, added: false, missing: 0 };
        this.#pending.set(index, pending);
        this.#toAdd.push(pending);
        if (this.#toAdd.length >= ADD_CHUNK) await this.#flush();
        if (this.#pending.size + this.#results.length < maxPending) continue;
        await this.#flush();
        // Full: read on once a chunk's worth of rows is back, so that rows are added a chunk at a
        // time rather than one per result (each round trip costs the producer more than a row).
        while (
          this.#pending.size + this.#results.length > maxPending - refill &&
          this.#stopReason === undefined
        ) {
          await new Promise<void>((resolve) => {
            this.#slot = resolve;
          });
        }
      }
      await this.#flush();
      this.#sourceDone = true;
    } catch (error) {
      this.#stopReason ??= "source-error";
      this.#sourceDone = true;
      await this.#end({ error });
      return;
    }
    this.#settle();
  }

  /** Adds the rows read since the last chunk, in one round trip. */
  async #flush(): Promise<void> {
    const rows = this.#toAdd;
    if (rows.length === 0) return;
    this.#toAdd = [];
    await this.#add(rows);
  }

  async #add(rows: PendingRow[]): Promise<void> {
    const { batchId, attempts } = this.#s;
    const jobs = rows.map((row) => ({
      name: "row",
      data: row.data,
      opts: rowJobOptions(batchId, row.data.i, attempts),
    }));
    await this.#queue.addBulk(jobs);
    for (const row of rows) row.added = true;
  }

  /**
   * A row's result from a worker, or its job's failure: once per row, whatever comes twice. A row
   * a worker passed over as cancelled while this batch was not (a worker that still knew an
   * earlier producer's cancel of this batch id) is enqueued again a little later, not lost.
   */
  #onResult(result: BatchRowResult): void {
    const row = this.#pending.get(result.index);
    if (!row) return;
    if (result.status === "cancelled" && this.#stopReason !== "cancelled") {
      row.added = false;
      setTimeout(() => {
        if (this.#pending.get(row.data.i) === row && !this.#ended) void this.#add([row]).catch(() => {});
      }, 1_000).unref();
      return;
    }
    this.#pending.delete(result.index);
    this.#deliver(result);
  }

  #deliver(result: BatchRowResult): void {
    if (result.status === "succeeded") this.#counts.succeeded++;
    if (result.status === "failed" && ++this.#counts.failed >= this.#s.maxFailures)
      this.#stopReason ??= "max-failures";
    this.#results.push(result);
    this.#freeSlot();
    this.#settle();
  }

  /** Wakes the reading of rows, which waits for room. */
  #freeSlot(): void {
    const slot = this.#slot;
    this.#slot = undefined;
    slot?.();
  }

  /** Ends the iteration once nothing more will be read and no row is out. */
  #settle(): void {
    if (this.#ended || this.#pending.size > 0) return;
    if (!this.#sourceDone && this.#stopReason === undefined) return;
    this.#stopReason ??= "completed";
    void this.#end();
  }

  async #cancelRows(): Promise<void> {
    const { client, prefix, batchId } = this.#s;
    await client.set(keys.cancel(prefix, batchId), "1", "EX", BATCH_KEY_TTL_SECONDS).catch(() => {});
    this.#freeSlot();
    for (const [index] of this.#pending) {
      await this.#queue.remove(jobIdOf(batchId, index)).catch(() => 0);
      this.#pending.delete(index);
      this.#results.push(cancelledResult(index));
    }
    await this.#end();
  }

  /** Once a second: the cancel flag, the batch's keys and the rows' jobs still in Redis, the status. */
  async #check(): Promise<void> {
    const { client, prefix, batchId, secretKey, stored } = this.#s;
    if (this.#checking) return;
    this.#checking = true;
    try {
      if ((await client.exists(keys.cancel(prefix, batchId))) === 1) {
        this.cancel("cancelled with --cancel");
        return;
      }
      if (!(await batchStored(client, prefix, batchId, stored.spec.flowHash))) {
        this.#s.log(
          "Redis lost the batch (restarted without a disk?): storing it again, enqueuing the rows it lost",
        );
        await storeBatch(client, prefix, batchId, secretKey, stored);
      }
      await this.#findLostRows();
      await this.#writeStatus("running");
    } catch {
      // Redis is away: the next check tries again.
    } finally {
      this.#checking = false;
    }
  }

  async #findLostRows(): Promise<void> {
    const { client, prefix, batchId } = this.#s;
    const lost = await lostRows(client, prefix, batchId, this.#pending);
    for (let at = 0; at < lost.length; at += ADD_CHUNK) await this.#add(lost.slice(at, at + ADD_CHUNK));
  }

  async #writeStatus(state: string): Promise<void> {
    const { client, prefix, batchId } = this.#s;
    await writeBatchStatus(client, prefix, batchId, {
      state,
      rowsRead: this.#rowsRead,
      skipped: this.#skipped,
      inFlight: this.#pending.size,
      ...this.#counts,
    });
  }

  async #end(error?: { error: unknown }): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#s.signal?.removeEventListener("abort", this.#onAbort);
    this.#reader.stop();
    this.#s.resultsClient.disconnect();
    await this.#writeStatus(this.#stopReason ?? "completed").catch(() => {});
    await this.#s.client.del(keys.results(this.#s.prefix, this.#s.batchId)).catch(() => {});
    await this.#queue.close().catch(() => {});
    this.#s.client.disconnect();
    this.#results.end(error);
  }
}
