import {
  type AnyConnectionKind,
  type AnyNodeType,
  ConnectionLimiter,
  type ConnectionProvider,
  createEngine,
  type Engine,
  type Prices,
} from "@weft/engine";
import type { Redis } from "ioredis";
import {
  createRedisConnectionLimits,
  type RedisConnectionLimits,
} from "../limits/redis-connection-limits.js";
import { MAX_CACHED_BATCHES } from "../limits.js";

/** What a worker runs rows with: the same node types, kinds and static connections as `weft run`. */
export interface WorkerEngineOptions {
  /** The node types flows may use (`builtinNodeTypes` of `@weft/nodes`, plus plug-ins'). */
  nodeTypes: readonly AnyNodeType[];
  /** The connection kinds (`builtinConnectionKinds` of `@weft/nodes`, plus plug-ins'). */
  connectionKinds?: readonly AnyConnectionKind[];
  /** The worker's own static connections, by the names flows use. */
  connections?: ConnectionProvider;
  /**
   * The per-connection limits every run of this worker goes through. Unless set, one per worker
   * whose `maxConcurrency`, `requestsPerMinute` and 429 back-offs are shared through the worker's
   * Redis with every other worker of the same prefix (`createRedisConnectionLimits`).
   */
  limiter?: ConnectionLimiter;
  /** `EngineOptions.requestTimeoutMs`. */
  requestTimeoutMs?: number;
}

/** The Redis a worker takes rows from, for what its engines may share through it. */
export interface WorkerRedis {
  client: Redis;
  prefix: string;
}

/** A worker's engine for a batch's prices; `close` lets go of the limits shared through Redis. */
export interface WorkerEngines {
  /** The engine for a batch with these prices (one engine per set of prices, sharing one limiter). */
  (prices?: Prices): Engine;
  /** Lets go of the limits shared through Redis (the worker's Redis client stays open). */
  close(): Promise<void>;
}

/**
 * The one place a worker's engines are made: one per set of prices a batch brings (at most
 * `MAX_CACHED_BATCHES`), all sharing one limiter, so that a connection's limits hold across every
 * row of the worker. The limiter is `options.limiter`, else one whose limits are shared with every
 * worker through `redis` (keyed by connection identity hashes, never a key).
 */
export function workerEngines(options: WorkerEngineOptions, redis: WorkerRedis): WorkerEngines {
  const kinds = createWorkerEngine(options, undefined).connectionKinds;
  let shared: RedisConnectionLimits | undefined;
  if (!options.limiter) shared = createRedisConnectionLimits(redis.client, { prefix: redis.prefix });
  const limiter = options.limiter ?? new ConnectionLimiter(kinds, shared ? { shared } : {});
  const engines = new Map<string, Engine>();
  const engineFor = (prices?: Prices): Engine => {
    const key = prices ? JSON.stringify([prices.currency, [...prices.models]]) : "";
    let engine = engines.get(key);
    if (!engine) {
      if (engines.size >= MAX_CACHED_BATCHES) engines.clear();
      engine = createWorkerEngine(options, limiter, prices);
      engines.set(key, engine);
    }
    return engine;
  };
  return Object.assign(engineFor, { close: async () => await shared?.close() });
}

/** A worker's engine: the options' node types, kinds and connections, the given limiter and prices. */
export function createWorkerEngine(
  options: WorkerEngineOptions,
  limiter: ConnectionLimiter | undefined,
  prices?: Prices,
): Engine {
  return createEngine({
    nodeTypes: options.nodeTypes,
    ...(options.connectionKinds ? { connectionKinds: options.connectionKinds } : {}),
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(limiter ? { limiter } : {}),
    ...(prices ? { prices } : {}),
  });
}
