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
   * The per-connection limits every run of this worker goes through. One per worker unless set:
   * limits held across all workers plug in here.
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

/**
 * The one place a worker's engines are made: one per set of prices a batch brings (at most
 * `MAX_CACHED_BATCHES`), all sharing one limiter, so that a connection's limits hold across every
 * row of the worker. The limiter is `options.limiter`, else one of this worker's own.
 */
export function workerEngines(
  options: WorkerEngineOptions,
  _redis: WorkerRedis,
): (prices?: Prices) => Engine {
  const kinds = createWorkerEngine(options, undefined).connectionKinds;
  const limiter = options.limiter ?? new ConnectionLimiter(kinds);
  const engines = new Map<string, Engine>();
  return (prices) => {
    const key = prices ? JSON.stringify([prices.currency, [...prices.models]]) : "";
    let engine = engines.get(key);
    if (!engine) {
      if (engines.size >= MAX_CACHED_BATCHES) engines.clear();
      engine = createWorkerEngine(options, limiter, prices);
      engines.set(key, engine);
    }
    return engine;
  };
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
