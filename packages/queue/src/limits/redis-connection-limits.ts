import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  FlowError,
  type ReleaseSharedSlot,
  type SharedConnectionLimits,
  type SharedLimits,
} from "@weft/engine";
import { Redis } from "ioredis";
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
   * given. Workers that share limits must share it.
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
  /**
   * The longest wait for one answer from Redis, in ms: 5 000 unless given. Past it (or when Redis
   * refuses), the request fails with a retryable `limits.unavailable`, never waits forever.
   */
  commandTimeoutMs?: number;
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
  const client = owned ? new Redis(redis, { maxRetriesPerRequest: 1, lazyConnect: true }) : redis;
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
  /** This process's leases, by the identity's `held` key. */
  readonly #leases = new Map<string, Set<string>>();
  readonly #process = randomBytes(6).toString("base64url");
  readonly #channel: string;
  /** Wakes this process's waiters, by identity, when a slot of theirs is given back anywhere. */
  readonly #sleepers = new Map<string, Set<() => void>>();
  #subscriber: Redis | undefined;
  #count = 0;
  #held = 0;
  #renewal: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(redis: Redis & LimitCommands, owned: boolean, options: RedisConnectionLimitsOptions) {
    this.#redis = redis;
    this.#owned = owned;
    this.#prefix = options.prefix ?? "weft";
    this.#channel = `${this.#prefix}:limits:freed`;
    this.#leaseMs = positive("leaseMs", options.leaseMs ?? 15_000);
    this.#maxPollMs = positive("maxPollMs", options.maxPollMs ?? 100);
    this.#timeoutMs = positive("commandTimeoutMs", options.commandTimeoutMs ?? 5_000);
    // A waiter looks again at least every `maxPollMs`; one that stopped (killed) loses its place after this.
    this.#patienceMs = Math.max(2_000, 10 * this.#maxPollMs);
  }

  get held(): number {
    return this.#held;
  }

  async acquire(identity: string, limits: SharedLimits, signal?: AbortSignal): Promise<ReleaseSharedSlot> {
    signal?.throwIfAborted();
    if (this.#closed) throw unavailable("the shared limits are closed");
    const keys = this.#keys(identity);
    this.#count += 1;
    const id = `${this.#process}.${this.#count.toString(36)}`;
    const max = limits.maxConcurrency ?? 0;
    const rpm = limits.requestsPerMinute ?? 0;
    let pause = MIN_POLL_MS;
    try {
      for (;;) {
        const [taken, wait] = await this.#answer(
          this.#redis.weftLimitsAcquire(
            ...keys,
            id,
            max,
            rpm,
            limits.windowMs,
            this.#leaseMs,
            this.#patienceMs,
          ),
          signal,
        );
        if (taken === 1) return max > 0 ? this.#hold(identity, keys, id) : () => {};
        if (max > 0) this.#listen();
        const jitter = 0.75 + Math.random() / 2;
        const ms = Math.ceil((wait > 0 ? Math.min(wait, this.#maxPollMs) : pause) * jitter);
        pause = (await this.#pause(identity, ms, signal))
          ? MIN_POLL_MS
          : Math.min(pause * 2, this.#maxPollMs);
      }
    } catch (error) {
      // Sent on the same connection after the last acquire, so it runs after it even if that one
      // is still on its way: a slot it took for a request that will not run is given back.
      this.#redis.weftLimitsAbandon(...keys.slice(0, 4), id, this.#channel, identity).catch(() => {});
      if (signal?.aborted) throw signal.reason;
      throw error instanceof FlowError ? error : unavailable(describe(error), error);
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
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
    if (this.#owned) this.#redis.disconnect();
  }

  /** Keeps the lease renewed until the release, which gives the slot back at once. */
  #hold(identity: string, keys: readonly string[], id: string): ReleaseSharedSlot {
    const heldKey = keys[0]!;
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
      for (const wake of this.#sleepers.get(identity) ?? []) wake();
      // A release Redis never hears of ends with the lease.
      if (!this.#closed)
        this.#redis.weftLimitsRelease(heldKey, keys[2]!, id, this.#channel, identity).catch(() => {});
    };
  }

  /** Waits `ms`, or until a slot of `identity` is given back; says whether it was. */
  async #pause(identity: string, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    let wake = () => {};
    const woken = new Promise<boolean>((resolve) => {
      wake = () => resolve(true);
    });
    let sleepers = this.#sleepers.get(identity);
    if (!sleepers) {
      sleepers = new Set();
      this.#sleepers.set(identity, sleepers);
    }
    sleepers.add(wake);
    const timer = new AbortController();
    const onAbort = () => timer.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([sleep(ms, false, { signal: timer.signal }), woken]);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      timer.abort();
      sleepers.delete(wake);
      if (sleepers.size === 0) this.#sleepers.delete(identity);
    }
  }

  /** Subscribes (once) to the slots given back in any process, to wake waiters without a poll. */
  #listen(): void {
    if (this.#subscriber || this.#closed) return;
    const subscriber = this.#redis.duplicate();
    subscriber.on("error", () => {});
    subscriber.on("message", (_channel: string, identity: string) => {
      for (const wake of this.#sleepers.get(identity) ?? []) wake();
    });
    subscriber.subscribe(this.#channel).catch(() => {});
    this.#subscriber = subscriber;
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
  #keys(identity: string): [string, string, string, string, string] {
    if (!IDENTITY.test(identity))
      throw new TypeError(
        "Expected a connection identity hash (ConnectionKinds.identityKey), got another string",
      );
    const base = `${this.#prefix}:limits:{${identity}}`;
    return [`${base}:held`, `${base}:started`, `${base}:queue`, `${base}:seen`, `${base}:backoff`];
  }
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
