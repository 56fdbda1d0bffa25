import {
  type AnyConnectionKind,
  type AnyNodeType,
  type ConnectionLimiter,
  type ConnectionProvider,
  createEngine,
  type Engine,
  type Prices,
} from "@weft/engine";

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

/**
 * The one place a worker's engine is made: every engine of a worker (one per set of prices a batch
 * brings) shares `limiter`, so that a connection's limits hold across all of its rows.
 */
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
