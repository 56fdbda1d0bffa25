import { createHash } from "node:crypto";
import PQueue from "p-queue";
import type { Connection } from "./connection.js";
import { connectionSecrets } from "./connection.js";

/**
 * Bounds the requests in flight through each connection (`maxConcurrency`), across every run of
 * an engine, so one customer's quota holds however many runs use their key at once. Connections
 * are told apart by endpoint and key, so a dynamic connection rebuilt by each run shares one limit.
 */
export class ConnectionLimiter {
  readonly #queues = new Map<string, PQueue>();

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
    const key = connectionKey(connection);
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

/** A stable identity for a connection that holds no secret in clear. */
function connectionKey(connection: Connection): string {
  const hash = createHash("sha256");
  hash.update(connection.type);
  if (connection.type === "azure-ai") hash.update(`\0${connection.endpoint}`);
  if (connection.type === "openai") hash.update(`\0${connection.baseUrl ?? ""}`);
  if (connection.type === "custom") hash.update(`\0${JSON.stringify(connection.configs)}`);
  for (const secret of connectionSecrets(connection)) hash.update(`\0${secret.reveal()}`);
  return hash.digest("base64url");
}
