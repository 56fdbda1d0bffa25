import type { BatchRows } from "@weft/engine";
import type { Redis } from "ioredis";
import type { StoredBatch } from "../batch-spec.js";

/** @internal What `startQueueBatch` checked and opened. */
export interface QueueBatchSettings {
  client: Redis;
  eventsClient: Redis;
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
  /** Server time at start, as a stream id: events before it belong to no row of this producer. */
  startEventId: string;
  log: (line: string) => void;
}
