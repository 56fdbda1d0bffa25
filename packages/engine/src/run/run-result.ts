import type { ErrorInfo } from "../errors/flow-error.js";
import type { TokenUsage } from "../node-type/define-node-type.js";

/** How a node ended. `skipped`: its `when` was false or its data came from a skipped or failed node. */
export type NodeStatus = "succeeded" | "failed" | "skipped" | "cancelled";
/** How a run ended. */
export type RunStatus = "succeeded" | "failed" | "cancelled";

/** What happened to one node. */
export interface NodeResult {
  status: NodeStatus;
  output?: unknown;
  error?: ErrorInfo;
  /** Why the node was skipped or cancelled. */
  reason?: string;
  /** Attempts made (0 for nodes that never ran). */
  attempts: number;
  /** Milliseconds since the epoch; absent for nodes that never ran. */
  startedAt?: number;
  durationMs?: number;
  usage?: TokenUsage;
}

/** Token usage of a run: in all, and per connection (by name, or `dynamic:<host>`). */
export interface RunUsage extends TokenUsage {
  byConnection: Record<string, TokenUsage>;
}

/** Everything a run produced. Secrets are masked; it is plain data, safe to print or store. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  outputs: Record<string, unknown>;
  nodes: Record<string, NodeResult>;
  usage: RunUsage;
  /** The error that failed the run, if it failed. */
  error?: ErrorInfo;
  startedAt: number;
  durationMs: number;
}
