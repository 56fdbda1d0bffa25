import type { ConnectionLimiter } from "../connection-kind/connection-limiter.js";
import type { Connection } from "../connection-kind/define-connection-kind.js";
import type { ResolvedConnection, ServiceConnection, TokenUsage } from "../node-type/define-node-type.js";

/** What a node's connection needs from its run. */
export interface ServiceConnectionHost {
  readonly limiter: ConnectionLimiter;
  /** The node's signal (its timeout, the run's abort). */
  readonly signal: AbortSignal;
  /**
   * Runs one request within the request deadline (`requestTimeoutMs`), handing it a signal that
   * aborts at the deadline or with the node.
   */
  withDeadline<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** The connection's identity hash (see `ConnectionKinds.identityKey`). */
  identify(connection: Connection): string;
  addUsage(usage: TokenUsage, connection: ResolvedConnection): void;
}

/** A resolved connection with the concurrency slot and usage reporting attached (see `ServiceConnection`). */
export class RunServiceConnection implements ServiceConnection {
  readonly connection: Connection;
  readonly source: "dynamic" | "static";
  readonly name?: string;
  readonly label: string;
  readonly #host: ServiceConnectionHost;

  constructor(resolved: ResolvedConnection, host: ServiceConnectionHost) {
    this.connection = resolved.connection;
    this.source = resolved.source;
    if (resolved.name !== undefined) this.name = resolved.name;
    this.label = resolved.label;
    this.#host = host;
  }

  get identity(): string {
    return this.#host.identify(this.connection);
  }

  call<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const host = this.#host;
    // The deadline starts once the slot is held: waiting for a busy connection is not the service's delay.
    if (this.connection.maxConcurrency === undefined) return host.withDeadline(request);
    return host.limiter.run(this.connection, () => host.withDeadline(request), host.signal);
  }

  reportUsage(usage: TokenUsage): void {
    this.#host.addUsage(usage, this);
  }

  /** Plain data when printed or serialised: the connection prints masked, nothing else is hidden. */
  toJSON() {
    return {
      connection: this.connection,
      source: this.source,
      ...(this.name === undefined ? {} : { name: this.name }),
      label: this.label,
    };
  }
}
