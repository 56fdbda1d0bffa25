import PQueue from "p-queue";
import { ConnectionBackoff, isThrottled } from "./connection-backoff.js";
import type { ConnectionKinds } from "./connection-kinds.js";
import type { Connection } from "./define-connection-kind.js";
import { type LimiterClock, realClock } from "./limiter-clock.js";
import { type RateEntry, RateWindow } from "./rate-window.js";
import { behindSharedLimits, type SharedConnectionLimits } from "./shared-connection-limits.js";

/** Options of a `ConnectionLimiter`. */
export interface ConnectionLimiterOptions {
  /**
   * The clock rate windows and back-offs run on; real time unless given. Tests pass one they move
   * by hand, so a rate limit can be checked without waiting for minutes.
   */
  clock?: LimiterClock;
  /** The length of the rate windows, in ms: 60 000, as `requestsPerMinute` says. Shorter only in tests. */
  windowMs?: number;
  /**
   * Limits held together with other processes (e.g. Redis-backed, from `@weft/queue`), consulted
   * after this limiter's own gates for connections with a `maxConcurrency` or `requestsPerMinute`.
   */
  shared?: SharedConnectionLimits;
}

/** One request through `ConnectionLimiter.run`. */
export interface LimitedRequest {
  /** Aborts the wait for a slot (the request itself gets its own signal). */
  signal?: AbortSignal;
  /** The tokens the request is expected to use, counted against `tokensPerMinute` until `reconcile`. */
  tokens?: number;
  /**
   * The longest back-off a 429 of this request may start (the node's retry `maxDelayMs`): a
   * `retry-after` past it is cut to it, as the node's own retry cuts it. Read only after a 429.
   */
  backoffLimit?: BackoffLimit;
  /**
   * @internal Called when the request has to wait: its connection is at `maxConcurrency`, backing
   * off, out of room in a rate window, or another of its requests is being admitted. It may be
   * called more than once; the wait ends when `task` starts (or the request is aborted). A batch
   * uses it to give the row's slot to a row of another connection.
   */
  onWait?: () => void;
}

/** Where the longest back-off is read from, only when a 429 needs it. */
export interface BackoffLimit {
  readonly maxBackoffMs: number;
}

/**
 * Any object, handed to `ConnectionLimiter.run` and then to `reconcile`: the limiter remembers
 * against it the share of `tokensPerMinute` the request took.
 */
export type TokenTicket = object;

/** What the limiter keeps per connection identity. */
interface Gate {
  concurrency: PQueue | undefined;
  /** Admits one request at a time past the rate windows and the back-off, first come first served. */
  admission: PQueue | undefined;
  requests: RateWindow | undefined;
  tokens: RateWindow | undefined;
  backoff: ConnectionBackoff | undefined;
  busy: number;
  /** Wakes the request waiting for room in the windows (there is one at most: admission is one by one). */
  wake: (() => void) | undefined;
}

/**
 * The per-connection limits of an engine, across every run: requests in flight (`maxConcurrency`),
 * requests and tokens per minute (`requestsPerMinute`, `tokensPerMinute`, over a sliding window),
 * and the back-off after a 429. Connections are told apart by their kind's identity and their keys
 * (`ConnectionKinds.identityKey`), so a dynamic connection rebuilt by each run shares one limit, two
 * customers' keys on one endpoint never do, and one tenant's 429 slows that tenant only.
 */
export class ConnectionLimiter {
  readonly #gates = new Map<string, Gate>();
  readonly #tickets = new WeakMap<TokenTicket, { window: RateWindow; entry: RateEntry }>();
  readonly #kinds: ConnectionKinds;
  readonly #clock: LimiterClock;
  readonly #windowMs: number;
  readonly #shared: SharedConnectionLimits | undefined;
  /** Gates that are backing off: while none is, a connection without limits skips the gates. */
  #backingOff = 0;
  #sweepAt = 64;

  constructor(kinds: ConnectionKinds, options: ConnectionLimiterOptions = {}) {
    this.#kinds = kinds;
    this.#clock = options.clock ?? realClock;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#shared = options.shared;
  }

  /** Whether a request through this connection must pass a gate (a limit, or a back-off somewhere). */
  isLimited(connection: Connection): boolean {
    return (
      this.#backingOff > 0 ||
      connection.maxConcurrency !== undefined ||
      connection.requestsPerMinute !== undefined ||
      connection.tokensPerMinute !== undefined
    );
  }

  /**
   * Runs `task` once the connection has a free slot, room in its rate windows and no back-off;
   * a 429 it fails with starts the connection's back-off. `ticket` receives the request's share of
   * `tokensPerMinute`, to `reconcile` with the real count.
   */
  async run<T>(
    connection: Connection,
    task: () => Promise<T>,
    request: LimitedRequest = {},
    ticket?: TokenTicket,
  ): Promise<T> {
    const key = this.#kinds.identityKey(connection);
    const gate = this.#gate(key, connection);
    gate.busy += 1;
    try {
      const shared = this.#shared;
      const work = shared ? behindSharedLimits(shared, key, connection, this.#windowMs, task, request) : task;
      const admitted = () => this.#admit(gate, work, request, ticket);
      if (!gate.concurrency) return await admitted();
      if (gate.concurrency.pending >= gate.concurrency.concurrency) request.onWait?.();
      return await gate.concurrency.add(admitted, request.signal ? { signal: request.signal } : {});
    } finally {
      gate.busy -= 1;
    }
  }

  /** Replaces a request's token estimate by the tokens the service counted. */
  reconcile(ticket: TokenTicket, tokens: number): void {
    const held = this.#tickets.get(ticket);
    if (!held) return;
    this.#tickets.delete(ticket);
    held.window.adjust(held.entry, Math.max(0, tokens), this.#clock.now());
  }

  /**
   * Watches a request that passed no gate: a 429 still starts its connection's back-off, so the
   * connection's next requests wait.
   */
  watch<T>(connection: Connection, pending: Promise<T>, limit?: BackoffLimit): Promise<T> {
    return pending.catch((error: unknown) => {
      this.noteFailure(connection, error, limit);
      throw error;
    });
  }

  /** `watch`, for a caller that sees the failure itself: a 429 starts the connection's back-off. */
  noteFailure(connection: Connection, error: unknown, limit?: BackoffLimit): void {
    if (!isThrottled(error)) return;
    const gate = this.#gate(this.#kinds.identityKey(connection), connection);
    this.#throttled(gate, error.retryAfterMs, limit?.maxBackoffMs);
  }

  async #admit<T>(
    gate: Gate,
    task: () => Promise<T>,
    request: LimitedRequest,
    ticket: TokenTicket | undefined,
  ): Promise<T> {
    let probe = false;
    let entry: RateEntry | undefined;
    if (gate.requests || gate.tokens || gate.backoff) {
      const pass = async () => {
        const tokens = Math.max(0, request.tokens ?? 0);
        for (;;) {
          if (gate.backoff) {
            if (gate.backoff.isActive(this.#clock.now())) request.onWait?.();
            probe = await gate.backoff.admit(this.#clock, request.signal);
          }
          const now = this.#clock.now();
          const wait = Math.max(gate.requests?.waitMs(1, now) ?? 0, gate.tokens?.waitMs(tokens, now) ?? 0);
          if (wait === 0) {
            gate.requests?.take(1, now);
            entry = gate.tokens?.take(tokens, now);
            return;
          }
          if (probe) {
            gate.backoff?.endProbe();
            probe = false;
          }
          request.onWait?.();
          await this.#pause(gate, wait, request.signal);
        }
      };
      gate.admission ??= new PQueue({ concurrency: 1 });
      if (gate.admission.pending > 0) request.onWait?.();
      await gate.admission.add(pass, request.signal ? { signal: request.signal } : {});
    }
    try {
      const result = await task();
      if (gate.backoff) gate.backoff.strikes = 0;
      if (entry && ticket && gate.tokens) this.#tickets.set(ticket, { window: gate.tokens, entry });
      return result;
    } catch (error) {
      // A request that failed used no tokens of the quota (it still counts as a request).
      if (entry) gate.tokens?.adjust(entry, 0, this.#clock.now());
      if (isThrottled(error)) this.#throttled(gate, error.retryAfterMs, request.backoffLimit?.maxBackoffMs);
      throw error;
    } finally {
      if (probe) gate.backoff?.endProbe();
      this.#settleBackoff(gate);
    }
  }

  /** Waits `ms`, or less when tokens are given back meanwhile. */
  async #pause(gate: Gate, ms: number, signal: AbortSignal | undefined): Promise<void> {
    const timer = new AbortController();
    const onAbort = () => timer.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const woken = new Promise<void>((resolve) => {
      gate.wake = resolve;
    });
    try {
      await Promise.race([this.#clock.sleep(ms, timer.signal), woken]);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      gate.wake = undefined;
      if (!timer.signal.aborted) timer.abort();
    }
  }

  #throttled(gate: Gate, retryAfterMs: number | undefined, maxBackoffMs: number | undefined): void {
    if (!gate.backoff) {
      gate.backoff = new ConnectionBackoff();
      this.#backingOff += 1;
    }
    gate.backoff.throttled(retryAfterMs, this.#clock.now(), maxBackoffMs);
  }

  /** Drops a back-off that is over and no longer slows anyone. */
  #settleBackoff(gate: Gate): void {
    const backoff = gate.backoff;
    if (!backoff || backoff.isActive(this.#clock.now()) || backoff.strikes > 0) return;
    gate.backoff = undefined;
    this.#backingOff -= 1;
  }

  /** The gate of an identity, its limits updated to the connection's (the latest values win). */
  #gate(key: string, connection: Connection): Gate {
    let gate = this.#gates.get(key);
    if (!gate) {
      if (this.#gates.size >= this.#sweepAt) this.#sweep();
      gate = {
        concurrency: undefined,
        admission: undefined,
        requests: undefined,
        tokens: undefined,
        backoff: undefined,
        busy: 0,
        wake: undefined,
      };
      this.#gates.set(key, gate);
    }
    const { maxConcurrency, requestsPerMinute, tokensPerMinute } = connection;
    if (maxConcurrency !== undefined) {
      if (!gate.concurrency) gate.concurrency = new PQueue({ concurrency: maxConcurrency });
      else if (gate.concurrency.concurrency !== maxConcurrency) gate.concurrency.concurrency = maxConcurrency;
    }
    if (requestsPerMinute !== undefined) {
      gate.requests ??= new RateWindow(requestsPerMinute, this.#windowMs);
      gate.requests.limit = requestsPerMinute;
    }
    if (tokensPerMinute !== undefined) {
      if (!gate.tokens) {
        const tokens = new RateWindow(tokensPerMinute, this.#windowMs);
        const woken = gate;
        tokens.onFreed = () => woken.wake?.();
        gate.tokens = tokens;
      }
      gate.tokens.limit = tokensPerMinute;
    }
    return gate;
  }

  /** Forgets identities with nothing in flight, nothing in their windows and no back-off. */
  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, gate] of this.#gates) {
      if (
        gate.busy === 0 &&
        !gate.backoff &&
        (gate.requests?.isEmpty(now) ?? true) &&
        (gate.tokens?.isEmpty(now) ?? true)
      ) {
        this.#gates.delete(key);
      }
    }
    this.#sweepAt = Math.max(64, this.#gates.size * 2);
  }

  /** Connections with requests queued or in flight (for tests of leaks). */
  get activeConnections(): number {
    let active = 0;
    for (const gate of this.#gates.values()) if (gate.busy > 0) active += 1;
    return active;
  }
}
