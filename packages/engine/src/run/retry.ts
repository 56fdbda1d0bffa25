import { FlowError } from "../errors/flow-error.js";

/** A retry policy with every field filled in. */
export interface ResolvedRetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Used for fields neither the node nor its type sets. One attempt: nodes retry only when asked to. */
export const DEFAULT_RETRY_POLICY: ResolvedRetryPolicy = {
  maxAttempts: 1,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
};

/** Merges policies, later ones winning field by field. */
export function resolveRetryPolicy(
  ...policies: ReadonlyArray<Partial<ResolvedRetryPolicy> | undefined>
): ResolvedRetryPolicy {
  const out = { ...DEFAULT_RETRY_POLICY };
  for (const policy of policies) {
    if (!policy) continue;
    if (policy.maxAttempts !== undefined) out.maxAttempts = policy.maxAttempts;
    if (policy.initialDelayMs !== undefined) out.initialDelayMs = policy.initialDelayMs;
    if (policy.maxDelayMs !== undefined) out.maxDelayMs = policy.maxDelayMs;
  }
  return out;
}

/** Whether an error is worth another attempt: only errors marked retryable (408, 429, 5xx, network). */
export function isRetryable(error: unknown): boolean {
  return error instanceof FlowError && error.retryable;
}

/**
 * How long to wait before attempt `attempt + 1`. A server's `retry-after` wins, capped at
 * `maxDelayMs`; otherwise exponential backoff with "equal jitter" (half fixed, half random), so
 * that many clients throttled at once do not retry in lockstep.
 */
export function computeRetryDelay(
  attempt: number,
  policy: ResolvedRetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(Math.ceil(retryAfterMs), policy.maxDelayMs);
  }
  const exponential = Math.min(policy.initialDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
