import type { BatchRows } from "@weft/engine";
import type { Redis } from "ioredis";
import type { StoredBatch } from "../batch-spec.js";

/** @internal What `startQueueBatch` checked and opened. */
export interface QueueBatchSettings {
  client: Redis;
  /** A connection of its own for the blocking reads of the batch's results list. */
  resultsClient: Redis;
  prefix: string;
  batchId: string;
  secretKey: Buffer;
  stored: StoredBatch;
  rows: BatchRows;
  skip: ((index: number) => boolean) | undefined;
  signal: AbortSignal | undefined;
  maxFailures: number;
  maxPending: number;
  attempts: number;
  checkIntervalMs: number;
  log: (line: string) => void;
}
