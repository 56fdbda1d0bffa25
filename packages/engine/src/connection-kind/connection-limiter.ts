import PQueue from "p-queue";
import type { ConnectionKinds } from "./connection-kinds.js";
import type { Connection } from "./define-connection-kind.js";

/**
 * Bounds the requests in flight through each connection (`maxConcurrency`), across every run of
 * an engine, so one customer's quota holds however many runs use their key at once. Connections
 * are told apart by their kind's identity and their keys, so a dynamic connection rebuilt by each
 * run shares one limit, and two customers' keys on one endpoint never do.
 */
export class ConnectionLimiter {
  readonly #queues = new Map<string, PQueue>();
  readonly #kinds: ConnectionKinds;

  constructor(kinds: ConnectionKinds) {
    this.#kinds = kinds;
  }

  /** Runs `task` when the connection has a free slot. Queues with nothing left in them are dropped. */
  run<T>(connection: Connection, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const limit = connection.maxConcurrency;
    return limit === undefined ? task() : this.#runQueued(connection, limit, task, signal);
  }

  async #runQueued<T>(
    connection: Connection,
    limit: number,
    task: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const key = this.#kinds.identityKey(connection);
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = new PQueue({ concurrency: limit });
      this.#queues.set(key, queue);
    }
    try {
      return await queue.add(task, signal ? { signal } : {});
    } finally {
      if (queue.size === 0 && queue.pending === 0) this.#queues.delete(key);
    }
  }

  /** Connections with requests queued or in flight (for tests of leaks). */
  get activeConnections(): number {
    return this.#queues.size;
  }
}
