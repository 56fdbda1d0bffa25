import type { ErrorInfo } from "../errors/flow-error.js";
import type { TokenUsage } from "../node-type/define-node-type.js";

/** How a node ended. `skipped`: its `when` was false or its data came from a skipped or failed node. */
export type NodeStatus = "succeeded" | "failed" | "skipped" | "cancelled";
/** How a run ended. */
export type RunStatus = "succeeded" | "failed" | "cancelled";

/** What happened to one node. */
export interface NodeResult {
  /** How it ended. */
  status: NodeStatus;
  /** What it returned, if it succeeded; secrets masked. */
  output?: unknown;
  /** Why it failed, if it did. */
  error?: ErrorInfo;
  /** Why the node was skipped or cancelled. */
  reason?: string;
  /** Attempts made (0 for nodes that never ran). */
  attempts: number;
  /** Milliseconds since the epoch; absent for nodes that never ran. */
  startedAt?: number;
  /** How long it ran, in ms; absent for nodes that never ran. */
  durationMs?: number;
  /** Tokens it reported, if it called a model. */
  usage?: TokenUsage;
}

/** Token usage of a run: in all, and per connection (by name, or `dynamic:<host>`). */
export interface RunUsage extends TokenUsage {
  /** Usage per connection: by the static connection's name, or `dynamic:<host>`. */
  byConnection: Record<string, TokenUsage>;
}

/** Everything a run produced. Secrets are masked; it is plain data, safe to print or store. */
export interface RunResult {
  /** The run's id, as in every event. */
  runId: string;
  /** How it ended. */
  status: RunStatus;
  /** The flow's `outputs`, resolved. */
  outputs: Record<string, unknown>;
  /** Every node of the flow, by id. */
  nodes: Record<string, NodeResult>;
  /** Tokens used, in all and per connection. */
  usage: RunUsage;
  /** The error that failed the run, if it failed. */
  error?: ErrorInfo;
  /** Milliseconds since the epoch. */
  startedAt: number;
  /** How long the run took, in ms. */
  durationMs: number;
}
