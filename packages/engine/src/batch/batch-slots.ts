import type { RunSlot } from "../run/run-waits.js";

/**
 * The slots of a batch: `concurrency` of them, each held by a row that is working. A row whose run
 * only waits on its connections (a back-off after a 429, a full rate window, a connection at its
 * `maxConcurrency`) gives its slot back, so a throttled tenant's rows never stall the others'; up to
 * `maxWaitingRows` more rows may be in flight for that. A waiting row takes a slot again before it
 * sends its next request, ahead of rows not started yet, so rows that come back from a back-off
 * all at once still send no more than `concurrency` at a time.
 */
export class BatchSlots {
  readonly #concurrency: number;
  readonly #maxRows: number;
  /** Called when a slot is free and no waiting row wants it: the batch may start a row. */
  readonly #onFree: () => void;
  #held = 0;
  #rows = 0;
  /** Rows waiting for a slot, first come first served (a Map keeps the order they came in). */
  readonly #claims = new Map<RowSlot, () => void>();

  constructor(concurrency: number, maxWaitingRows: number, onFree: () => void) {
    this.#concurrency = concurrency;
    this.#maxRows = concurrency + maxWaitingRows;
    this.#onFree = onFree;
  }

  /** Whether a new row may start now. */
  get canStart(): boolean {
    return this.#held < this.#concurrency && this.#claims.size === 0 && this.#rows < this.#maxRows;
  }

  /** Rows in flight that hold no slot: waiting on their connections, or for a slot to go on. */
  get waiting(): number {
    return this.#rows - this.#held;
  }

  /** A row starts, holding a slot. */
  start(): RowSlot {
    this.#rows++;
    this.#held++;
    return new RowSlot(this);
  }

  /** A row ended: its slot, if it held one, goes to a waiting row or a new one. */
  end(row: RowSlot): void {
    if (row.ended) return;
    row.ended = true;
    this.#rows--;
    if (row.holds) {
      row.holds = false;
      this.#held--;
    } else this.#claims.delete(row);
    this.#grant();
  }

  /** @internal */
  release(row: RowSlot): void {
    if (row.ended || !row.holds) return;
    row.holds = false;
    this.#held--;
    this.#grant();
  }

  /** @internal */
  acquire(row: RowSlot, signal: AbortSignal): Promise<void> | undefined {
    if (row.ended || row.holds) return undefined;
    if (this.#held < this.#concurrency && this.#claims.size === 0) {
      row.holds = true;
      this.#held++;
      return undefined;
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#claims.delete(row);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#claims.set(row, () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /** Gives free slots to waiting rows in order; what is left over may start new rows. */
  #grant(): void {
    for (const [row, resolve] of this.#claims) {
      if (this.#held >= this.#concurrency) break;
      this.#claims.delete(row);
      row.holds = true;
      this.#held++;
      resolve();
    }
    if (this.canStart) this.#onFree();
  }
}

/** The slot of one row, as its run sees it. */
class RowSlot implements RunSlot {
  holds = true;
  ended = false;
  readonly #slots: BatchSlots;

  constructor(slots: BatchSlots) {
    this.#slots = slots;
  }

  release(): void {
    this.#slots.release(this);
  }

  acquire(signal: AbortSignal): Promise<void> | undefined {
    return this.#slots.acquire(this, signal);
  }
}

export type { RowSlot };
