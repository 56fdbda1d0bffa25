import type { z } from "zod";
import type { AnyConnectionKind, Connection } from "../connection-kind/define-connection-kind.js";
import type { Secret } from "../secrets/secret.js";

/** Token counts reported by a node that called a model. */
export interface TokenUsage {
  /** Tokens of the request (the messages sent). */
  promptTokens: number;
  /** Tokens of the answer. */
  completionTokens: number;
  /** Both together, as the service counts them. */
  totalTokens: number;
}

/** What a node knows of a call besides its tokens, to price them (`createEngine({ prices })`). */
export interface UsageDetails {
  /** The deployment the request went to (or the model name it asked for): looked up in the prices first. */
  deployment?: string;
  /** The model that answered, as the service names it: looked up when the deployment has no price. */
  model?: string;
}

/** Options of one request through `ServiceConnection.call`. */
export interface ServiceCallOptions {
  /**
   * The tokens the request is expected to use, counted against the connection's `tokensPerMinute`
   * until `reportUsage` gives the real count (a failed request counts none). Weft's chat completion
   * estimates a quarter of the prompt's characters plus `maxTokens` (or 256 without it).
   */
  tokens?: number;
}

/** The connection a node should use, chosen by the override rule, and where it came from. */
export interface ResolvedConnection<C extends Connection = Connection> {
  /** The connection itself, its secret fields as `Secret` values. */
  connection: C;
  /** `dynamic` when the node's `dynamicConnection` gave it, `static` when `connection` named it. */
  source: "dynamic" | "static";
  /** The static connection's name, or the dynamic connection's own `name`. */
  name?: string;
  /** Where it points, by its kind (e.g. the endpoint's host); never a key. */
  label: string;
}

/**
 * A node's connection with the rules attached: requests made through `call` wait for the
 * connection's limits (`maxConcurrency`, `requestsPerMinute`, `tokensPerMinute`, shared by every
 * run of the engine) and its back-off after a 429, and end with the node; `reportUsage` counts for
 * the node, the run and this connection. A node that calls a service needs nothing else to honour
 * a tenant's quota.
 */
export interface ServiceConnection<C extends Connection = Connection> extends ResolvedConnection<C> {
  /** A hash telling this connection apart from others (its kind's identity and its keys); no secret in clear. */
  identity: string;
  /**
   * Runs the request once the connection's limits and back-off let it; `signal` aborts with the
   * node or at the request deadline. A `FlowError` with status 429 it fails with starts the
   * connection's back-off (`retryAfterMs` when the service said how long). A `request` that
   * declares no parameter is called without a signal and cannot be aborted, but its deadline
   * holds all the same: the node stops waiting for it. Name the signal to have it aborted.
   */
  call<T>(request: (signal: AbortSignal) => Promise<T>, options?: ServiceCallOptions): Promise<T>;
  /**
   * Counts one call's tokens for the node, the run and this connection (and corrects the last
   * call's `tokens` estimate): `null` when the service reported no usage, which is not zero.
   */
  reportUsage(usage: TokenUsage | null, details?: UsageDetails): void;
}

/** A leveled logger whose messages are redacted before anyone sees them. */
export interface NodeLogger {
  /** Detail for whoever debugs the node (`weft run --verbose`). */
  debug(message: string): void;
  /** Progress worth a line. */
  info(message: string): void;
  /** Something the user should hear about that does not fail the node. */
  warn(message: string): void;
}

/** What a node's `run` gets besides its inputs. */
export interface NodeContext {
  /** The run's id, as in every event. */
  readonly runId: string;
  /** This node's `id` in the flow. */
  readonly nodeId: string;
  /** Aborted when the run is cancelled, another node fails the run, or the node times out. */
  readonly signal: AbortSignal;
  /** The attempt being made, from 1; more than 1 after retryable failures. */
  readonly attempt: number;
  /**
   * Whether the run asked for streaming (`RunOptions.stream`, `weft run --stream`): a node that
   * can stream should then emit its output as tokens unless its own inputs say not to.
   */
  readonly stream: boolean;
  /** Reads a variable of the run's scope. */
  readVariable(name: string): unknown;
  /** Streams a piece of output (a token) to listeners as a `node:token` event. */
  emit(token: string): void;
  /**
   * The node's connection by the override rule (the dynamic connection if it resolved, else the
   * static one), checked against its kind, with its concurrency slot, request deadline and usage
   * reporting attached.
   */
  connection(): Promise<ServiceConnection>;
  /**
   * Most bytes to read from one service response, success or error body (`maxResponseBytes`,
   * 8 MiB unless the app sets it). A node that calls a service stops reading there and fails with
   * `llm.response-too-large`, so a hostile endpoint cannot fill the memory.
   */
  readonly maxResponseBytes: number;
  /**
   * Counts one call's tokens for the node and the run (`null`: the service reported none); for
   * calls through a connection use `ServiceConnection.reportUsage`.
   */
  reportUsage(usage: TokenUsage | null, details?: UsageDetails): void;
  /** Wraps a value in a `Secret` and makes the run scrub it from everything it lets out. */
  secret(value: string | Secret): Secret;
  /** Logs as `node:log` events, redacted like everything else the run lets out. */
  readonly log: NodeLogger;
}

/** A node type: what a flow's `type` names. A plain value, registered by passing it to `createEngine`. */
export interface NodeType<Input = unknown, Output = unknown> {
  /** The name flows use in `type`, e.g. `chat-completion`. */
  readonly type: string;
  /** One sentence for users, shown in errors and docs. */
  readonly description: string;
  /** Validates the node's resolved inputs; literal inputs are also checked before the run starts. */
  readonly input: z.ZodType<Input>;
  /** Validates the output, if given. */
  readonly output?: z.ZodType<Output>;
  /**
   * The variable this node writes: the input holding its name (a literal string), and what value
   * goes in it (the output by default).
   */
  readonly writes?: { input: string; value?: (output: Output) => unknown };
  /** Whether the node uses `connection` / `dynamicConnection`. */
  readonly usesConnection?: boolean;
  /**
   * The connection kinds this node type reads (e.g. chat completion: `azure-ai` and `openai`).
   * They are registered with the engine along with the node type, so an app that passes the node
   * type need not list them again.
   */
  readonly connectionKinds?: readonly AnyConnectionKind[];
  /**
   * For a node type whose inputs depend on the connection kinds registered with it (such as
   * `create-connection`, which takes any kind's fields): the engine calls it with every registered
   * kind and registers the node type it returns instead (see `bindNodeTypes`).
   */
  readonly forConnectionKinds?: (kinds: readonly AnyConnectionKind[]) => AnyNodeType;

  /**
   * Checks a node's inputs as written in the flow against the static connection it names, before
   * a run (`engine.checkConnections`, `weft run`): a message when they cannot work together (say,
   * no `model` for an endpoint that serves many models), else `undefined`. Inputs that are
   * references are known only when the node runs: leave them to `run`.
   */
  checkConnection?(connection: Connection, inputs: Readonly<Record<string, unknown>>): string | undefined;
  /** Retry policy used when the node declares none. Without it, a node is tried once. */
  readonly retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Does the work. Throw a `FlowError` with `retryable: true` for failures worth retrying. */
  run(input: Input, context: NodeContext): Promise<Output> | Output;
}

/** Declares a node type; the identity function that gives `run` its input and output types. */
export function defineNodeType<Input, Output>(definition: NodeType<Input, Output>): NodeType<Input, Output> {
  return definition;
}

/** A node type of any input and output, as `createEngine` and lists of node types hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds node types of every input type
export type AnyNodeType = NodeType<any, any>;
