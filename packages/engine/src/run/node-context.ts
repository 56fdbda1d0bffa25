import type { ConnectionLimiter } from "../connection-kind/connection-limiter.js";
import type { Connection } from "../connection-kind/define-connection-kind.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type {
  NodeContext,
  NodeLogger,
  ResolvedConnection,
  ServiceConnection,
  TokenUsage,
  UsageDetails,
} from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";
import type { NodeRun } from "./node-run.js";
import { resolveConnection } from "./resolve-connection.js";
import { resolveRetryPolicy } from "./retry.js";
import { requestTimeoutError, runWithDeadline } from "./run-limits.js";
import type { RunWaits } from "./run-waits.js";
import { RunServiceConnection, type ServiceConnectionHost } from "./service-connection.js";

/** The context one attempt of one node gets. A class, so a run of many nodes allocates little. */
export class RunNodeContext implements NodeContext {
  readonly #state: NodeRun;
  readonly #node: CompiledNode;
  readonly #signal: AbortSignal | undefined;
  readonly attempt: number;
  #log: NodeLogger | undefined;

  /** `signal`: the node's own (with a timeout); otherwise the run's, made when first asked for. */
  constructor(state: NodeRun, node: CompiledNode, signal: AbortSignal | undefined, attempt: number) {
    this.#state = state;
    this.#node = node;
    this.#signal = signal;
    this.attempt = attempt;
  }

  get signal(): AbortSignal {
    return this.#signal ?? this.#state.signal;
  }

  get runId(): string {
    return this.#state.runId;
  }

  get nodeId(): string {
    return this.#node.id;
  }

  get stream(): boolean {
    return this.#state.stream;
  }

  readVariable(name: string): unknown {
    return this.#state.variables.get(name);
  }

  emit(token: string): void {
    this.#state.emitToken(this.#node, this.attempt, token);
  }

  secret(value: string | Secret): Secret {
    const secret = Secret.from(value);
    this.#state.redactor.add(secret);
    return secret;
  }

  reportUsage(usage: TokenUsage | null, details?: UsageDetails): void {
    this.#state.addUsage(this.#node, usage, undefined, details);
  }

  get maxResponseBytes(): number {
    return this.#state.limits.maxResponseBytes;
  }

  get log(): NodeLogger {
    this.#log ??= {
      debug: (message) => this.#state.emitLog(this.#node, "debug", message),
      info: (message) => this.#state.emitLog(this.#node, "info", message),
      warn: (message) => this.#state.emitLog(this.#node, "warn", message),
    };
    return this.#log;
  }

  /**
   * A static connection from a provider that answers at once (and a dynamic one) is handed over in
   * a promise already resolved: no async steps of its own for each request.
   */
  connection(): Promise<ServiceConnection> {
    try {
      const resolved = resolveConnection(this.#node, this.#state);
      return resolved instanceof Promise
        ? resolved.then((connection) => this.#serve(connection))
        : Promise.resolve(this.#serve(resolved));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #serve(resolved: ResolvedConnection): ServiceConnection {
    const state = this.#state;
    for (const secret of state.connectionKinds.secrets(resolved.connection)) state.redactor.add(secret);
    return new RunServiceConnection(resolved, new NodeConnectionHost(state, this.#node, this.#signal));
  }
}

/** What a node's connection needs from its run, as one object rather than a closure per need. */
class NodeConnectionHost implements ServiceConnectionHost {
  readonly #state: NodeRun;
  readonly #node: CompiledNode;
  readonly #signal: AbortSignal | undefined;

  constructor(state: NodeRun, node: CompiledNode, signal: AbortSignal | undefined) {
    this.#state = state;
    this.#node = node;
    this.#signal = signal;
  }

  get limiter(): ConnectionLimiter {
    return this.#state.limiter;
  }

  get waits(): RunWaits | undefined {
    return this.#state.waits;
  }

  get node(): CompiledNode {
    return this.#node;
  }

  /** Made when a request asks for it: most nodes never look at their signal. */
  get signal(): AbortSignal {
    return this.#signal ?? this.#state.signal;
  }

  /** The longest back-off the node's retry policy allows: the connection's pause after a 429. */
  get maxBackoffMs(): number {
    return resolveRetryPolicy(this.#node.nodeType.retry, this.#node.definition.retry).maxDelayMs;
  }

  withDeadline<T>(
    request: (signal: AbortSignal) => Promise<T>,
    onFailure?: (error: unknown) => void,
  ): Promise<T> {
    const state = this.#state;
    const node = this.#node;
    const deadline = state.requestDeadline(node);
    return runWithDeadline(
      this.#signal ?? state.abortParent,
      deadline.ms,
      () => requestTimeoutError(node, deadline),
      request,
      onFailure,
    );
  }

  identify(connection: Connection): string {
    return this.#state.connectionKinds.identityKey(connection);
  }

  addUsage(usage: TokenUsage | null, connection: ServiceConnection, details?: UsageDetails): void {
    this.#state.addUsage(this.#node, usage, connection, details);
  }
}
