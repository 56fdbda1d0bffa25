import { setTimeout as sleep } from "node:timers/promises";
import type { BatchRowResult } from "@weft/engine";
import type { Redis } from "ioredis";
import { keys } from "../keys.js";
import { parseResultEntry } from "../row-results.js";

/** Most result entries taken off the list in one round trip. */
const READ_COUNT = 1_000;
/** How long the reader lets results gather once one came, in ms: one round trip then takes many. */
const GATHER_MS = 50;
/** How long one blocking wait for a result lasts, in seconds (then the reader looks whether it should stop). */
const WAIT_SECONDS = 1;
/** How long the reader waits after Redis did not answer before it asks again, in ms. */
const RETRY_MS = 200;

/**
 * Reads a batch's results list (`keys.results`) until `stop`: waits for an entry with a blocking
 * pop on a connection of its own, lets more gather for a moment, then takes up to `READ_COUNT` at
 * a time (LRANGE and LTRIM in one transaction, which every Redis BullMQ runs on has), so that the
 * producer spends a round trip on many rows rather than on each. Redis away: it asks again.
 */
export class ResultReader {
  readonly #client: Redis;
  readonly #key: string;
  readonly #onResult: (result: BatchRowResult) => void;
  #stopped = false;
  #done: Promise<void> | undefined;

  constructor(client: Redis, prefix: string, batchId: string, onResult: (result: BatchRowResult) => void) {
    this.#client = client;
    this.#key = keys.results(prefix, batchId);
    this.#onResult = onResult;
  }

  start(): void {
    this.#done ??= this.#read();
  }

  /** Stops reading (the client's owner disconnects it, which ends a blocking wait). */
  stop(): void {
    this.#stopped = true;
  }

  async #read(): Promise<void> {
    while (!this.#stopped) {
      try {
        const first = await this.#client.blpop(this.#key, WAIT_SECONDS);
        if (this.#stopped || !first) continue;
        this.#take([first[1]]);
        await sleep(GATHER_MS);
        let taken: string[];
        do {
          taken = await this.#takeMany();
          this.#take(taken);
        } while (taken.length === READ_COUNT && !this.#stopped);
      } catch {
        if (!this.#stopped) await sleep(RETRY_MS);
      }
    }
  }

  async #takeMany(): Promise<string[]> {
    const answers = await this.#client
      .multi()
      .lrange(this.#key, 0, READ_COUNT - 1)
      .ltrim(this.#key, READ_COUNT, -1)
      .exec();
    const [error, entries] = answers?.[0] ?? [];
    if (error) throw error;
    return Array.isArray(entries) ? (entries as string[]) : [];
  }

  #take(entries: readonly string[]): void {
    if (this.#stopped) return;
    for (const entry of entries) {
      const result = parseResultEntry(entry);
      if (result) this.#onResult(result);
    }
  }
}
