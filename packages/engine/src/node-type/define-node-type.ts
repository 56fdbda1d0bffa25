import type { z } from "zod";
import type { Connection } from "../connection-kind/connection.js";
import type { Secret } from "../secrets/secret.js";

/** Token counts reported by a node that called a model. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** The connection a node should use, chosen by the override rule, and where it came from. */
export interface ResolvedConnection {
  connection: Connection;
  /** `dynamic` when the node's `dynamicConnection` gave it, `static` when `connection` named it. */
  source: "dynamic" | "static";
  /** The static connection's name, or the dynamic connection's own `name`. */
  name?: string;
}

/** A leveled logger whose messages are redacted before anyone sees them. */
export interface NodeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** What a node's `run` gets besides its inputs. */
export interface NodeContext {
  readonly runId: string;
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
  /** Applies the override rule: the dynamic connection if it resolved, else the static one. */
  resolveConnection(): Promise<ResolvedConnection>;
  /** Runs `task` under the connection's concurrency limit (`maxConcurrency`), so a tenant's quota holds. */
  withConnectionSlot<T>(connection: ResolvedConnection, task: () => Promise<T>): Promise<T>;
  /** Adds token usage to the node and the connection totals of the run. */
  reportUsage(usage: TokenUsage, connection?: ResolvedConnection): void;
  /** Wraps a value in a `Secret` and makes the run scrub it from everything it lets out. */
  secret(value: string | Secret): Secret;
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
  /** Retry policy used when the node declares none. Without it, a node is tried once. */
  readonly retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Does the work. Throw a `FlowError` with `retryable: true` for failures worth retrying. */
  run(input: Input, context: NodeContext): Promise<Output> | Output;
}

/** Declares a node type; the identity function that gives `run` its input and output types. */
export function defineNodeType<Input, Output>(definition: NodeType<Input, Output>): NodeType<Input, Output> {
  return definition;
}

// Node types are stored without their specific input/output types.
// biome-ignore lint/suspicious/noExplicitAny: a registry holds node types of every input type
export type AnyNodeType = NodeType<any, any>;
