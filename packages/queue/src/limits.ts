/** Limits of `@weft/queue`, each documented in the README ("Scale out"). */

/** Most bytes of one job's data in Redis (the sealed row, base64): a row of `MAX_BATCH_ROW_BYTES` fits. */
export const MAX_JOB_DATA_BYTES = 2 * 1024 * 1024;
/** Rows enqueued and not yet back with a result, per producer, unless set (`maxPending`). */
export const DEFAULT_MAX_PENDING_ROWS = 256;
/** Most rows a producer keeps enqueued ahead of its results (`maxPending`): it holds each sealed row in memory until its result is back. */
export const MAX_PENDING_ROWS = 10_000;
/** Attempts of one row's job before it is reported failed (`queue.row`), unless set. */
export const DEFAULT_JOB_ATTEMPTS = 3;
/** Seconds the flow and a batch's settings and status stay in Redis after the producer last touched them. */
export const BATCH_KEY_TTL_SECONDS = 7 * 24 * 60 * 60;
/** Most characters of a batch id: letters, digits, `_` and `-`. */
export const MAX_BATCH_ID_LENGTH = 64;
/** Flows (and settings) a worker keeps compiled, by batch: the oldest is dropped past it. */
export const MAX_CACHED_BATCHES = 32;
