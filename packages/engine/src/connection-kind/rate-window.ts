/** One amount taken from a window: a request, or a request's tokens (adjusted once they are known). */
export interface RateEntry {
  readonly at: number;
  amount: number;
}

/**
 * A sliding-window log: what was taken in the last `windowMs`, entry by entry. It admits an amount
 * only while the sum over every window of that length stays within `limit`, so a limit of 60 per
 * minute never lets 120 through across a window edge the way fixed windows (a counter reset each
 * minute) do. Memory is one entry per amount taken within the window.
 */
export class RateWindow {
  limit: number;
  readonly windowMs: number;
  readonly #entries: RateEntry[] = [];
  #head = 0;
  #sum = 0;
  /** Called when an adjustment gave room back (a request used fewer tokens than estimated). */
  onFreed: (() => void) | undefined;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /**
   * How long, in ms from `now`, until `amount` fits; 0 when it fits now. An amount larger than the
   * whole limit fits once the window is empty (it could never fit otherwise).
   */
  waitMs(amount: number, now: number): number {
    this.#prune(now);
    if (this.#sum + amount <= this.limit || this.#head === this.#entries.length) return 0;
    let freed = 0;
    for (let index = this.#head; index < this.#entries.length; index++) {
      const entry = this.#entries[index]!;
      freed += entry.amount;
      if (this.#sum - freed + amount <= this.limit || index === this.#entries.length - 1) {
        return Math.max(1, entry.at + this.windowMs - now);
      }
    }
    return 0;
  }

  /** Records `amount` taken at `now`; the entry can be adjusted later (`adjust`). */
  take(amount: number, now: number): RateEntry {
    const entry: RateEntry = { at: now, amount };
    this.#entries.push(entry);
    this.#sum += amount;
    return entry;
  }

  /** Replaces an entry's amount (a token estimate by the real count); nothing once it left the window. */
  adjust(entry: RateEntry, amount: number, now: number): void {
    if (entry.at + this.windowMs <= now) return;
    this.#prune(now);
    const freed = entry.amount > amount;
    this.#sum += amount - entry.amount;
    entry.amount = amount;
    if (freed) this.onFreed?.();
  }

  /** Whether nothing is left in the window. */
  isEmpty(now: number): boolean {
    this.#prune(now);
    return this.#head === this.#entries.length;
  }

  #prune(now: number): void {
    const entries = this.#entries;
    while (this.#head < entries.length && entries[this.#head]!.at + this.windowMs <= now) {
      this.#sum -= entries[this.#head]!.amount;
      this.#head += 1;
    }
    if (this.#head === entries.length) {
      entries.length = 0;
      this.#head = 0;
      this.#sum = 0;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      entries.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
