import { type Connection, type ConnectionInput, toConnection } from "./connection.js";

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
 * plain strings: they are wrapped in `Secret`s. Anything that is not a connection is refused here,
 * naming the connection, rather than when a node first uses it.
 */
export class InMemoryConnectionProvider implements ConnectionProvider {
  readonly #connections = new Map<string, Connection>();

  constructor(connections: Record<string, ConnectionInput> | Map<string, ConnectionInput> = {}) {
    for (const [name, connection] of connections instanceof Map ? connections : Object.entries(connections)) {
      this.set(name, connection);
    }
  }

  get(name: string): Connection | undefined {
    return this.#connections.get(name);
  }

  list(): string[] {
    return [...this.#connections.keys()];
  }

  /** Adds or replaces a connection. */
  set(name: string, connection: ConnectionInput): void {
    this.#connections.set(name, toConnection(connection, name));
  }
}
