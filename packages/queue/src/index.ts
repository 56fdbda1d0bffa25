/**
 * `@weft/queue`: a batch's rows as BullMQ jobs on Redis, run by any number of `weft worker`
 * processes, with per-connection limits shared through Redis.
 */
export {
  createRedisConnectionLimits,
  type RedisConnectionLimits,
  type RedisConnectionLimitsOptions,
} from "./limits/redis-connection-limits.js";
