import type { Connection } from "./define-connection-kind.js";

/**
 * Where static connections come from, by name: the local encrypted store, or an app's own
 * source (a database, a vault). `get` is called when a request is about to run, so a provider
 * may resolve secrets lazily.
 */
export interface ConnectionProvider {
  /** The connection with this name, or `undefined` if there is none. */
  get(name: string): Connection | undefined | Promise<Connection | undefined>;
  /** Names of the known connections, for "did you mean" messages. */
  list?(): string[] | Promise<string[]>;
}

/**
 * A provider over connections an embedding app holds in memory. Secret fields may be given as
 * plain strings: the engine checks every connection against its kind and wraps them in `Secret`s.
 */
export class InMemoryConnectionProvider implements ConnectionProvider {
  readonly #connections: Map<string, Connection>;

  constructor(connections: Record<string, Connection> | Map<string, Connection> = {}) {
    this.#connections = new Map(connections instanceof Map ? connections : Object.entries(connections));
  }

  /** The connection with this name, or `undefined`. */
  get(name: string): Connection | undefined {
    return this.#connections.get(name);
  }

  /** The names of its connections. */
  list(): string[] {
    return [...this.#connections.keys()];
  }

  /** Adds or replaces a connection. */
  set(name: string, connection: Connection): void {
    this.#connections.set(name, connection);
  }
}
