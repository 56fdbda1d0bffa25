import { FlowError } from "../errors/flow-error.js";
import type { LimiterClock } from "./limiter-clock.js";

/** How long a connection backs off after a 429 that gave no `retry-after`: doubling from here… */
export const BACKOFF_INITIAL_MS = 500;
/** …up to here (and never past the throttled node's retry `maxDelayMs`). */
export const BACKOFF_MAX_MS = 30_000;

/**
 * The back-off of one connection after the service answered 429. Until `until`, its requests wait;
 * then one request goes first (the probe) while the others wait for its answer: a success ends the
 * back-off, another 429 starts a longer one. So a throttled tenant sends one request per back-off
 * instead of all of its queued requests each earning a 429.
 */
export class ConnectionBackoff {
  /** `clock.now()` until which requests wait. */
  until = 0;
  /** 429s in a row, for the doubling delay when the service gives no `retry-after`. */
  strikes = 0;
  #probe: Promise<void> | undefined;
  #endProbe: (() => void) | undefined;

  /** Starts or lengthens the back-off after a 429 (`retryAfterMs` when the service gave one). */
  throttled(retryAfterMs: number | undefined, now: number, maxMs = BACKOFF_MAX_MS): void {
    this.strikes += 1;
    const delay =
      retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
        ? Math.ceil(retryAfterMs)
        : BACKOFF_INITIAL_MS * 2 ** (this.strikes - 1);
    this.until = Math.max(this.until, now + Math.min(delay, maxMs));
  }

  /** Whether a probe is out. */
  get probing(): boolean {
    return this.#probe !== undefined;
  }

  /**
   * Waits until this request may go: past `until`, and either as the probe or after the probe
   * answered. Gives whether this request is the probe.
   */
  async admit(clock: LimiterClock, signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      const wait = this.until - clock.now();
      if (wait > 0) {
        await clock.sleep(wait, signal);
        continue;
      }
      if (this.#probe === undefined) {
        this.#probe = new Promise((resolve) => {
          this.#endProbe = resolve;
        });
        return true;
      }
      await abortable(this.#probe, signal);
    }
  }

  /** The probe answered (or gave up): the requests waiting for it look again. */
  endProbe(): void {
    const end = this.#endProbe;
    this.#probe = undefined;
    this.#endProbe = undefined;
    end?.();
  }

  /** Whether requests still have to wait or a probe is out; when not, the back-off can go. */
  isActive(now: number): boolean {
    return this.#probe !== undefined || this.until > now;
  }
}

/** Whether an error is a service's "too many requests" (not an exhausted quota, which is final). */
export function isThrottled(error: unknown): error is FlowError {
  return error instanceof FlowError && error.status === 429 && error.retryable;
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
