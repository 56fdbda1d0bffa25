import type { ConnectionLimiter, TokenTicket } from "../connection-kind/connection-limiter.js";
import type { Connection } from "../connection-kind/define-connection-kind.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type {
  ResolvedConnection,
  ServiceCallOptions,
  ServiceConnection,
  TokenUsage,
  UsageDetails,
} from "../node-type/define-node-type.js";
import type { RunWaits } from "./run-waits.js";

/** What a node's connection needs from its run. */
export interface ServiceConnectionHost {
  readonly limiter: ConnectionLimiter;
  /** Only in a batch: the run's waits on its connections, counted for `node`. */
  readonly waits: RunWaits | undefined;
  readonly node: CompiledNode;
  /** The node's signal (its timeout, the run's abort). */
  readonly signal: AbortSignal;
  /**
   * Runs one request within the request deadline (`requestTimeoutMs`), handing it a signal that
   * aborts at the deadline or with the node. `onFailure` (which must not throw) sees a failure
   * before the returned promise rejects with it.
   */
  withDeadline<T>(
    request: (signal: AbortSignal) => Promise<T>,
    onFailure?: (error: unknown) => void,
  ): Promise<T>;
  /** The longest back-off a 429 may start: the node's retry `maxDelayMs`. */
  readonly maxBackoffMs: number;
  /** The connection's identity hash (see `ConnectionKinds.identityKey`). */
  identify(connection: Connection): string;
  addUsage(usage: TokenUsage | null, connection: ServiceConnection, details?: UsageDetails): void;
}

/** A resolved connection with the concurrency slot and usage reporting attached (see `ServiceConnection`). */
export class RunServiceConnection implements ServiceConnection {
  readonly connection: Connection;
  readonly source: "dynamic" | "static";
  readonly name?: string;
  readonly label: string;
  readonly #host: ServiceConnectionHost;
  /** The last call's share of `tokensPerMinute`, corrected by `reportUsage`. */
  #ticket: TokenTicket | undefined;

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

  call<T>(request: (signal: AbortSignal) => Promise<T>, options?: ServiceCallOptions): Promise<T> {
    const host = this.#host;
    const limiter = host.limiter;
    // Without limits or a back-off anywhere, one check and a watch for a 429 (which starts the
    // connection's back-off), seen as the request fails rather than one promise later.
    if (!limiter.isLimited(this.connection)) {
      const connection = this.connection;
      return host.withDeadline(request, (error) => limiter.noteFailure(connection, error, host));
    }
    const ticket: TokenTicket | undefined = this.connection.tokensPerMinute === undefined ? undefined : {};
    this.#ticket = ticket;
    const limited = {
      signal: host.signal,
      backoffLimit: host,
      ...(options?.tokens === undefined ? {} : { tokens: options.tokens }),
    };
    // The deadline starts once the slot is held: waiting for a busy connection is not the service's delay.
    if (!host.waits) return limiter.run(this.connection, () => host.withDeadline(request), limited, ticket);
    return sendFromBatch(host, host.waits, request, (task, onWait) =>
      limiter.run(this.connection, task, { ...limited, onWait }, ticket),
    );
  }

  reportUsage(usage: TokenUsage | null, details?: UsageDetails): void {
    const ticket = this.#ticket;
    if (ticket && usage) this.#host.limiter.reconcile(ticket, usage.totalTokens);
    this.#ticket = undefined;
    this.#host.addUsage(usage, this, details);
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

/**
 * A limited request of a row in a batch: while it waits on its connection the run may give its
 * slot to another row (`RunWaits`); once the connection lets it go, it takes a slot again before
 * it is sent, so that no more than the batch's `concurrency` rows send at once.
 */
function sendFromBatch<T>(
  host: ServiceConnectionHost,
  waits: RunWaits,
  request: (signal: AbortSignal) => Promise<T>,
  send: (task: () => Promise<T>, onWait: () => void) => Promise<T>,
): Promise<T> {
  let waiting = false;
  const stopWaiting = () => {
    if (!waiting) return;
    waiting = false;
    waits.end(host.node);
  };
  const onWait = () => {
    if (waiting) return;
    waiting = true;
    waits.begin(host.node);
  };
  const task = (): Promise<T> => {
    stopWaiting();
    const resumed = waits.resume(host.signal);
    return resumed ? resumed.then(() => host.withDeadline(request)) : host.withDeadline(request);
  };
  return send(task, onWait).finally(stopWaiting);
}
