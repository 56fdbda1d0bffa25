import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, isThrottled } from "./connection-backoff.js";
import type { Connection } from "./define-connection-kind.js";

/**
 * Per-connection limits held together by many processes (workers of one queue, say), consulted by
 * `ConnectionLimiter.run` after its own gates: the process's own slot, rate window and back-off
 * come first, then the shared ones, so one process sends at most its connection's `maxConcurrency`
 * requests to the shared gate. Only connections with a `maxConcurrency` or a `requestsPerMinute`
 * ever reach it; `tokensPerMinute` stays per process. The engine ships no implementation (it knows
 * no Redis); `@weft/queue` has one on Redis.
 */
export interface SharedConnectionLimits {
  /**
   * Waits until one request of `identity` may start under `limits` across every process, takes
   * its share (a slot of `maxConcurrency`, one request of `requestsPerMinute`), and gives the
   * function that hands the slot back, called once when the request ends, however it ends.
   * Rejects with the signal's reason once it aborts, and with a retryable `FlowError` when the
   * limits cannot be reached (a request never goes past a limit nobody could check).
   * `identity` is `ConnectionKinds.identityKey` of the connection: a hash, never a key in clear.
   */
  acquire(identity: string, limits: SharedLimits, signal?: AbortSignal): Promise<ReleaseSharedSlot>;
  /**
   * Optional: the service answered 429 to a request of `identity`, so the identity's requests in
   * every process wait `backoffMs` (the `retry-after`, or 500 ms, cut to the node's longest retry
   * delay). Must not throw; it should not wait for the shared store either.
   */
  throttled?(identity: string, backoffMs: number): void;
}

/** The limits of one connection as `SharedConnectionLimits.acquire` sees them. */
export interface SharedLimits {
  /** Requests in flight at once across every process. */
  readonly maxConcurrency?: number;
  /** Requests started in any `windowMs` across every process. */
  readonly requestsPerMinute?: number;
  /** The length of the rate window in ms: 60 000 unless the limiter was given another (tests). */
  readonly windowMs: number;
}

/** Hands a shared slot back; calling it again does nothing. */
export type ReleaseSharedSlot = () => void;

/**
 * `task` behind the shared limits of `connection`, or `task` itself when the connection has no
 * limit the shared ones hold (such a connection never calls them).
 */
export function behindSharedLimits<T>(
  shared: SharedConnectionLimits,
  identity: string,
  connection: Connection,
  windowMs: number,
  task: () => Promise<T>,
  request: { signal?: AbortSignal; backoffLimit?: { readonly maxBackoffMs: number } },
): () => Promise<T> {
  const { maxConcurrency, requestsPerMinute } = connection;
  if (maxConcurrency === undefined && requestsPerMinute === undefined) return task;
  const limits: SharedLimits = { maxConcurrency, requestsPerMinute, windowMs };
  return async () => {
    const release = await shared.acquire(identity, limits, request.signal);
    try {
      return await task();
    } catch (error) {
      if (isThrottled(error) && shared.throttled) {
        const longest = request.backoffLimit?.maxBackoffMs ?? BACKOFF_MAX_MS;
        shared.throttled(identity, Math.max(0, Math.min(error.retryAfterMs ?? BACKOFF_INITIAL_MS, longest)));
      }
      throw error;
    } finally {
      release();
    }
  };
}
