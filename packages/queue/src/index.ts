/**
 * `@weft/queue`: a batch's rows as BullMQ jobs on Redis, run by any number of `weft worker`
 * processes. The producer (`startQueueBatch`) stores the flow once per batch and enqueues rows,
 * sealed with `WEFT_SECRET_KEY`; workers (`startWorker`) run them and hand back result lines.
 */
export {
  type BatchControlOptions,
  type BatchStatus,
  cancelBatch,
  readBatchStatus,
} from "./batch-status.js";
export { DEFAULT_PREFIX, ROWS_QUEUE } from "./keys.js";
export {
  createRedisConnectionLimits,
  type RedisConnectionLimits,
  type RedisConnectionLimitsOptions,
} from "./limits/redis-connection-limits.js";
export {
  BATCH_KEY_TTL_SECONDS,
  DEFAULT_JOB_ATTEMPTS,
  DEFAULT_MAX_PENDING_ROWS,
  MAX_BATCH_ID_LENGTH,
  MAX_CACHED_BATCHES,
  MAX_JOB_DATA_BYTES,
  MAX_PENDING_ROWS,
} from "./limits.js";
export { QueueBatch } from "./producer/queue-batch.js";
export { type QueueBatchOptions, startQueueBatch } from "./producer/start-queue-batch.js";
export { checkRedisUrl } from "./redis.js";
export { readSecretKey, SECRET_KEY_VARIABLE, SealError, seal, unseal } from "./seal.js";
export { type QueueWorker, startWorker, type WorkerOptions } from "./worker/start-worker.js";
export {
  createWorkerEngine,
  type WorkerEngineOptions,
  type WorkerEngines,
  type WorkerRedis,
  workerEngines,
} from "./worker/worker-engine.js";
