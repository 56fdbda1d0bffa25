import { type Connection, connectionSecrets, isConnection, toConnection } from "../connections/connection.js";
import { describeValue, FlowError } from "../errors.js";
import { expectedOneOf } from "../flow/closest-names.js";
import { clip, echo } from "../flow/echo.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type {
  NodeContext,
  NodeLogger,
  ResolvedConnection,
  TokenUsage,
} from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";
import type { NodeRun } from "./node-run.js";
import { requestTimeoutError, runWithDeadline } from "./run-limits.js";

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

  reportUsage(usage: TokenUsage, connection?: ResolvedConnection): void {
    this.#state.addUsage(this.#node, usage, connection);
  }

  get maxResponseBytes(): number {
    return this.#state.limits.maxResponseBytes;
  }

  withConnectionSlot<T>(resolved: ResolvedConnection, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = this.#state.requestDeadline(this.#node);
    // The deadline starts once the slot is held: waiting for a busy connection is not the service's delay.
    const request = () =>
      runWithDeadline(this.signal, deadline.ms, () => requestTimeoutError(this.#node, deadline), task);
    if (resolved.connection.maxConcurrency === undefined) return request();
    return this.#state.limiter.run(resolved.connection, request, this.signal);
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
   * The override rule: a `dynamicConnection` that resolves to a connection wins; one that resolves
   * to nothing (its writer was skipped) falls back to the static `connection`; neither is an error
   * naming both.
   */
  async resolveConnection(): Promise<ResolvedConnection> {
    const node = this.#node;
    const { dynamicConnection, definition } = node;
    let dynamicNote = "";
    if (dynamicConnection) {
      const value = this.#state.resolve(dynamicConnection);
      if (value !== undefined && value !== null) {
        if (!isConnection(value)) {
          throw new FlowError(
            "connection.invalid",
            `dynamicConnection ${clip(dynamicConnection.source)} is not a connection: expected the variable a create-azure-ai-connection node writes, got ${describeValue(value)}`,
            { nodeId: node.id },
          );
        }
        this.#learnSecrets(value);
        return { connection: value, source: "dynamic", ...(value.name ? { name: value.name } : {}) };
      }
      dynamicNote = `dynamicConnection ${clip(dynamicConnection.source)} resolved to nothing${this.#state.whySkipped(dynamicConnection)}`;
    }
    if (definition.connection !== undefined) {
      const name = definition.connection;
      const provider = this.#state.connections;
      const provided = provider ? await provider.get(name) : undefined;
      if (!provided) {
        const known = (await provider?.list?.()) ?? [];
        throw new FlowError(
          "connection.unknown",
          `unknown connection ${echo(name)}${dynamicNote ? ` (and ${dynamicNote})` : ""}: ${expectedOneOf(
            name,
            known,
            "connections",
            "(no connections are configured)",
          )}`,
          { nodeId: node.id },
        );
      }
      // An app's own provider may hand out plain-string keys: wrap them, or say what is wrong.
      const connection = isConnection(provided) ? provided : toConnection(provided, name);
      this.#learnSecrets(connection);
      return { connection, source: "static", name };
    }
    throw new FlowError(
      "connection.missing",
      `no connection for node "${node.id}": ${dynamicNote || "no dynamicConnection is set"}, and no static "connection" is set`,
      { nodeId: node.id },
    );
  }

  #learnSecrets(connection: Connection): void {
    for (const secret of connectionSecrets(connection)) this.#state.redactor.add(secret);
  }
}
