import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";

/**
 * Wakes a process's waiters when a slot of their connection identity is given back, here or in
 * any process: the release script publishes the identity on one channel per prefix, to which this
 * subscribes (on a connection of its own) once something first has to wait. Missed messages (a
 * Redis restart, say) only cost a poll: waiters look again after their pause anyway.
 */
export class FreedSlots {
  readonly #redis: Redis;
  readonly #channel: string;
  readonly #sleepers = new Map<string, Set<() => void>>();
  #subscriber: Redis | undefined;
  #closed = false;

  constructor(redis: Redis, channel: string) {
    this.#redis = redis;
    this.#channel = channel;
  }

  /** Waits `ms`, or until a slot of `identity` is given back; says whether it was. Rejects on abort. */
  async pause(identity: string, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    this.#listen();
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

  /** A slot of `identity` was given back in this process. */
  wake(identity: string): void {
    for (const wake of this.#sleepers.get(identity) ?? []) wake();
  }

  close(): void {
    this.#closed = true;
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }

  #listen(): void {
    if (this.#subscriber || this.#closed) return;
    const subscriber = this.#redis.duplicate();
    subscriber.on("error", () => {});
    subscriber.on("message", (_channel: string, identity: string) => this.wake(identity));
    subscriber.subscribe(this.#channel).catch(() => {});
    this.#subscriber = subscriber;
  }
}
