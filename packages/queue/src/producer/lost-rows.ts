import type { Redis } from "ioredis";
import { missingJobs } from "../batch-status.js";
import type { RowJobData } from "../worker/run-job.js";

/** A row enqueued and not back yet: its job's data, kept to enqueue it again if Redis loses it. */
export interface PendingRow {
  data: RowJobData;
  /** Whether its job was added (rows are added a chunk at a time). */
  added: boolean;
  /** Checks in a row that found its job missing. */
  missing: number;
}

/** Checks in a row a row's job must be missing from Redis before it is enqueued again. */
const MISSING_CHECKS = 2;

/**
 * The pending rows whose jobs Redis no longer holds, twice in a row (once may be a job that just
 * ended, its result on the way): Redis lost them (a restart without a disk) or a result was missed.
 */
export async function lostRows(
  client: Redis,
  prefix: string,
  batchId: string,
  pending: ReadonlyMap<number, PendingRow>,
): Promise<PendingRow[]> {
  const added = [...pending.values()].filter((row) => row.added);
  const missing = await missingJobs(
    client,
    prefix,
    batchId,
    added.map((row) => row.data.i),
  );
  const lost: PendingRow[] = [];
  for (const row of added) {
    row.missing = missing.has(row.data.i) ? row.missing + 1 : 0;
    if (row.missing >= MISSING_CHECKS && pending.get(row.data.i) === row) {
      row.missing = 0;
      lost.push(row);
    }
  }
  return lost;
}
