import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  FlowError,
  type ReleaseSharedSlot,
  type SharedConnectionLimits,
  type SharedLimits,
} from "@weft/engine";
import { Redis } from "ioredis";
import { FreedSlots } from "./freed-slots.js";
import {
  ABANDON_SCRIPT,
  ACQUIRE_SCRIPT,
  RELEASE_SCRIPT,
  RENEW_SCRIPT,
  THROTTLED_SCRIPT,
} from "./limit-scripts.js";

/** Options of `createRedisConnectionLimits`. */
export interface RedisConnectionLimitsOptions {
  /**
   * What every key starts with: `<prefix>:limits:{<identity>}:held` and so on. `"weft"` unless
   * given; at most 200 characters, without spaces or braces. Workers that share limits must share it.
   */
  prefix?: string;
  /**
   * How long a slot of `maxConcurrency` stays taken without its holder renewing it, in ms: 15 000
   * unless given. A holder renews its slots every third of it; a worker killed while holding slots
   * gives them back at the latest this long after its last renewal.
   */
  leaseMs?: number;
  /** The longest pause between two looks at a full limit, in ms: 100 unless given. */
  maxPollMs?: number;
  /** The longest wait for one answer from Redis, in ms: 5 000 unless given (then it counts as unreachable). */
  commandTimeoutMs?: number;
  /**
   * How long a request keeps trying while Redis cannot be reached (restarting, say), in ms: 10 000
   * unless given; then it fails with a retryable `limits.unavailable`.
   */
  unreachableMs?: number;
}

/** `SharedConnectionLimits` on Redis, to give to `createEngine({ sharedLimits })`. */
export interface RedisConnectionLimits extends SharedConnectionLimits {
  /** Makes every process's requests of `identity` wait `backoffMs` (a 429's back-off); never throws. */
  throttled(identity: string, backoffMs: number): void;
  /** Slots of `maxConcurrency` this process holds now. */
  readonly held: number;
  /** Stops renewing (held slots then expire) and disconnects the client it opened from a URL. */
  close(): Promise<void>;
}

interface LimitCommands {
  weftLimitsAcquire(...args: Array<string | number>): Promise<[number, number]>;
  weftLimitsRenew(...args: Array<string | number>): Promise<number>;
  weftLimitsAbandon(...args: string[]): Promise<number>;
  weftLimitsRelease(...args: string[]): Promise<number>;
  weftLimitsThrottled(key: string, ms: number): Promise<number>;
}

/** held, started, queue, seen, backoff: see `limit-scripts.ts`. */
type IdentityKeys = [string, string, string, string, string];

/** The pause before trying Redis again after it failed, doubling up to the next. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1_000;
/** The shortest pause between two looks at a full limit, doubling up to `maxPollMs`. */
const MIN_POLL_MS = 2;
/** A connection identity as `ConnectionKinds.identityKey` makes it (a base64url hash). */
const IDENTITY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Per-connection limits held by every process that uses the same Redis and prefix, so that four
 * workers never give one customer four times their quota: `maxConcurrency` as a semaphore of
 * expiring leases, `requestsPerMinute` as a sliding-window log, and a 429's back-off, all keyed by
 * the connection's identity hash (never a key). Waiters are served first come, first served
 * across processes, looking again after a pause that doubles from 2 ms to `maxPollMs` (or until
 * the window has room). Takes an ioredis client (left open by `close`) or a `redis://` URL.
 */
export function createRedisConnectionLimits(
  redis: Redis | string,
  options: RedisConnectionLimitsOptions = {},
): RedisConnectionLimits {
  const owned = typeof redis === "string";
  // The URL is never quoted: it may hold a password.
  if (owned && !/^rediss?:\/\//.test(redis))
    throw new TypeError("Expected a redis:// or rediss:// URL for the shared connection limits");
  if (options.prefix !== undefined && !/^[^\s{}]{1,200}$/.test(options.prefix))
    throw new TypeError(
      `Expected \`prefix\` to be 1 to 200 characters without spaces or braces, got ${JSON.stringify(options.prefix.slice(0, 80))}`,
    );
  const client = owned
    ? new Redis(redis, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: reconnectDelay })
    : redis;
  if (owned) client.on("error", () => {});
  client.defineCommand("weftLimitsAcquire", { numberOfKeys: 5, lua: ACQUIRE_SCRIPT });
  client.defineCommand("weftLimitsRenew", { numberOfKeys: 1, lua: RENEW_SCRIPT });
  client.defineCommand("weftLimitsAbandon", { numberOfKeys: 4, lua: ABANDON_SCRIPT });
  client.defineCommand("weftLimitsRelease", { numberOfKeys: 2, lua: RELEASE_SCRIPT });
  client.defineCommand("weftLimitsThrottled", { numberOfKeys: 1, lua: THROTTLED_SCRIPT });
  return new RedisLimits(client as Redis & LimitCommands, owned, options);
}

class RedisLimits implements RedisConnectionLimits {
  readonly #redis: Redis & LimitCommands;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #maxPollMs: number;
  readonly #patienceMs: number;
  readonly #timeoutMs: number;
  readonly #unreachableMs: number;
  /** This process's leases, by the identity's `held` key. */
  readonly #leases = new Map<string, Set<string>>();
  readonly #process = randomBytes(6).toString("base64url");
  readonly #channel: string;
  readonly #freed: FreedSlots;
  #count = 0;
  #held = 0;
  #renewal: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(redis: Redis & LimitCommands, owned: boolean, options: RedisConnectionLimitsOptions) {
    this.#redis = redis;
    this.#owned = owned;
    this.#prefix = options.prefix ?? "weft";
    this.#channel = `${this.#prefix}:limits:freed`;
    this.#freed = new FreedSlots(redis, this.#channel);
    this.#leaseMs = positive("leaseMs", options.leaseMs ?? 15_000);
    this.#maxPollMs = positive("maxPollMs", options.maxPollMs ?? 100);
    this.#timeoutMs = positive("commandTimeoutMs", options.commandTimeoutMs ?? 5_000);
    this.#unreachableMs = positive("unreachableMs", options.unreachableMs ?? 10_000);
    // A waiter looks again at least every `maxPollMs`; one that stopped (killed) loses its place after this.
    this.#patienceMs = Math.max(2_000, 10 * this.#maxPollMs);
  }

  get held(): number {
    return this.#held;
  }

  async acquire(identity: string, limits: SharedLimits, signal?: AbortSignal): Promise<ReleaseSharedSlot> {
    signal?.throwIfAborted();
    const keys = this.#keys(identity);
    // When Redis last answered: past `unreachableMs` without an answer, the request fails.
    const progress = { answeredAt: performance.now() };
    let retryMs = RETRY_MIN_MS;
    for (;;) {
      if (this.#closed) throw unavailable("the shared limits are closed");
      try {
        return await this.#take(identity, keys, limits, signal, progress);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const failure = error instanceof FlowError ? error : unavailable(describe(error), error);
        if (performance.now() - progress.answeredAt + retryMs > this.#unreachableMs) throw failure;
        await sleep(retryMs, undefined, { signal }).catch(() => {
          throw signal?.reason;
        });
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  /** One try at a slot, under one lease id: waits while Redis answers, throws when it does not. */
  async #take(
    identity: string,
    keys: IdentityKeys,
    limits: SharedLimits,
    signal: AbortSignal | undefined,
    progress: { answeredAt: number },
  ): Promise<ReleaseSharedSlot> {
    this.#count += 1;
    const id = `${this.#process}.${this.#count.toString(36)}`;
    const max = limits.maxConcurrency ?? 0;
    const rpm = limits.requestsPerMinute ?? 0;
    const { windowMs } = limits;
    let pause = MIN_POLL_MS;
    try {
      for (;;) {
        const [taken, wait] = await this.#answer(
          this.#redis.weftLimitsAcquire(...keys, id, max, rpm, windowMs, this.#leaseMs, this.#patienceMs),
          signal,
        );
        progress.answeredAt = performance.now();
        if (taken === 1) return max > 0 ? this.#hold(identity, keys, id) : () => {};
        const jitter = 0.75 + Math.random() / 2;
        const ms = Math.ceil((wait > 0 ? Math.min(wait, this.#maxPollMs) : pause) * jitter);
        const woken = await this.#freed.pause(identity, ms, signal);
        pause = woken ? MIN_POLL_MS : Math.min(pause * 2, this.#maxPollMs);
      }
    } catch (error) {
      // Sent on the same connection after the last acquire, so it runs after it even if that one
      // is still on its way: a slot it took for a request that will not run is given back.
      this.#redis.weftLimitsAbandon(...keys.slice(0, 4), id, this.#channel, identity).catch(() => {});
      throw error;
    }
  }

  throttled(identity: string, backoffMs: number): void {
    if (this.#closed || !(backoffMs > 0)) return;
    const key = this.#keys(identity)[4];
    this.#redis.weftLimitsThrottled(key, Math.ceil(backoffMs)).catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#renewal);
    this.#renewal = undefined;
    this.#freed.close();
    if (this.#owned) this.#redis.disconnect();
  }

  /** Keeps the lease renewed until the release, which gives the slot back at once. */
  #hold(identity: string, keys: IdentityKeys, id: string): ReleaseSharedSlot {
    const heldKey = keys[0];
    const ids = this.#leases.get(heldKey) ?? new Set<string>();
    this.#leases.set(heldKey, ids);
    ids.add(id);
    this.#held += 1;
    this.#renewal ??= setInterval(() => this.#renew(), Math.max(1, Math.floor(this.#leaseMs / 3))).unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= 1;
      ids.delete(id);
      if (ids.size === 0 && this.#leases.get(heldKey) === ids) this.#leases.delete(heldKey);
      if (this.#held === 0) {
        clearInterval(this.#renewal);
        this.#renewal = undefined;
      }
      this.#freed.wake(identity);
      // A release Redis never hears of ends with the lease.
      if (!this.#closed)
        this.#redis.weftLimitsRelease(heldKey, keys[2], id, this.#channel, identity).catch(() => {});
    };
  }

  #renew(): void {
    for (const [heldKey, ids] of this.#leases) {
      this.#redis.weftLimitsRenew(heldKey, this.#leaseMs, ...ids).catch(() => {});
    }
  }

  /** An answer from Redis, or a retryable `limits.unavailable` past the timeout, or the abort. */
  async #answer<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const timer = new AbortController();
    const onAbort = () => timer.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([
        pending,
        sleep(this.#timeoutMs, undefined, { signal: timer.signal }).then(() => {
          throw unavailable(`Redis did not answer within ${this.#timeoutMs} ms`);
        }),
      ]);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      timer.abort();
      pending.catch(() => {});
    }
  }

  /** The identity's keys: held, started, queue, seen, backoff. */
  #keys(identity: string): IdentityKeys {
    if (!IDENTITY.test(identity))
      throw new TypeError(
        "Expected a connection identity hash (ConnectionKinds.identityKey), got another string",
      );
    const base = `${this.#prefix}:limits:{${identity}}`;
    return [`${base}:held`, `${base}:started`, `${base}:queue`, `${base}:seen`, `${base}:backoff`];
  }
}

/** Reconnects soon (a request waits on it), never slower than every half second. */
function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 50, 500);
}

function unavailable(reason: string, cause?: unknown): FlowError {
  return new FlowError("limits.unavailable", `shared connection limits: ${reason}`, {
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
  });
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === "MaxRetriesPerRequestError")
    return "cannot reach Redis (the connection was refused or lost)";
  return error instanceof Error ? `Redis failed (${error.message})` : "Redis failed";
}

function positive(name: string, value: number): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw new RangeError(`Expected \`${name}\` to be a number of ms above 0, got ${value}`);
}
