import type { BatchRowResult } from "@weft/engine";
import type { Redis } from "ioredis";
import { keys } from "./keys.js";
import { BATCH_KEY_TTL_SECONDS } from "./limits.js";

/**
 * How a row's result travels from its worker to its producer: one entry of the batch's results
 * list (`keys.results`), the row's index, a space and its result line. The index comes first so
 * that a line that is not JSON is still its row's failure.
 */
export function resultEntry(index: number, line: string): string {
  return `${index} ${line}`;
}

/**
 * RPUSH and EXPIRE in one script: one command, where a pipeline of the two made an ioredis
 * `Pipeline` per row (it copies every script BullMQ defines on the connection), about a tenth of
 * a worker's CPU. Redis keeps the compiled script by its hash after the first call.
 */
const PUSH_RESULT = "redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('EXPIRE', KEYS[1], ARGV[2]) return 1";

/** Pushes a row's result entry onto its batch's list; the list expires if no producer drains it. */
export async function pushResult(
  client: Redis,
  prefix: string,
  batchId: string,
  entry: string,
): Promise<void> {
  const key = keys.results(prefix, batchId);
  await client.eval(PUSH_RESULT, 1, key, entry, BATCH_KEY_TTL_SECONDS);
}

/** A result entry's row and result, or `undefined` for an entry that names no row. */
export function parseResultEntry(entry: string): BatchRowResult | undefined {
  const space = entry.indexOf(" ");
  const index = Number(entry.slice(0, space));
  if (space < 1 || !Number.isSafeInteger(index) || index < 0) return undefined;
  try {
    return { ...(JSON.parse(entry.slice(space + 1)) as BatchRowResult), index };
  } catch {
    const error = { code: "queue.row" as const, message: "the worker's result line is not JSON" };
    return { index, status: "failed", error, durationMs: 0 };
  }
}

/** A row whose job failed for good (`queue.row`), in words: never the row's data. */
export function resultOfFailure(index: number, failedReason: string, attempts: number): BatchRowResult {
  let message: string;
  if (/stalled more than/i.test(failedReason)) {
    message =
      "the row's worker stopped while running it too many times (killed, crashed or out of memory): not run again";
  } else {
    const reason = failedReason.length > 500 ? `${failedReason.slice(0, 500)}…` : failedReason;
    message = `the row's job failed (at most ${attempts} attempts): ${reason}`;
  }
  return { index, status: "failed", error: { code: "queue.row", message }, durationMs: 0 };
}
