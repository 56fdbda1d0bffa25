import type { ErrorInfo } from "../errors/flow-error.js";
import { setOwn } from "../flow/references.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type { Redactor } from "../secrets/redactor.js";
import type { NodeRecords } from "./node-records.js";
import type { RunUsage, Usage } from "./usage.js";

export type { RunUsage } from "./usage.js";

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
  /** Tokens (and cost) of its service calls, if it made any; see `Usage`. */
  usage?: Usage;
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
  /** Tokens (and cost) used, in all and per connection identity. */
  usage: RunUsage;
  /** The error that failed the run, if it failed. */
  error?: ErrorInfo;
  /** Milliseconds since the epoch. */
  startedAt: number;
  /** How long the run took, in ms. */
  durationMs: number;
}

/** What a run knows of itself when its last node ends. */
export interface RunSummary {
  runId: string;
  /** The run made its id rather than the app: a UUID is not scrubbed (nor remembered as redacted). */
  ownRunId: boolean;
  /** The error of the node (or deadline) that failed the run. */
  failure: ErrorInfo | undefined;
  /** Why the run was cancelled, if it was. */
  cancelled: string | undefined;
  outputs: Record<string, unknown>;
  usage: RunUsage;
  startedAt: number;
  durationMs: number;
}

/** A run's result from what it recorded of its nodes, with every secret masked. */
export function assembleRunResult(
  run: RunSummary,
  nodes: readonly CompiledNode[],
  records: NodeRecords,
  nodeUsage: (index: number) => Usage | undefined,
  redactor: Redactor,
): RunResult {
  // Redacted piece by piece: every value that can hold data of the run (ids, outputs, errors,
  // reasons, connection labels) is scrubbed, keys too; the names and statuses written here are not.
  // With no secret string known, only outputs can hold something to mask (a `Secret`, a URL's
  // credentials): errors were scrubbed of URL credentials when recorded.
  const known = !redactor.isEmpty;
  const results: Record<string, NodeResult> = {};
  for (const node of nodes) {
    const index = node.index;
    const state = records.states[index] as NodeResult["status"];
    const result: NodeResult = { status: state, attempts: records.attempts[index]! };
    if (state === "succeeded") result.output = redactor.redact(records.outputs[index], 3);
    const error = records.errors[index];
    if (error) result.error = known ? redactor.redact(error, 3) : error;
    const reason = records.reasons[index];
    if (reason !== undefined) result.reason = known ? redactor.redactText(reason) : reason;
    if (records.attempts[index]! > 0) {
      result.startedAt = records.startedAt[index]!;
      result.durationMs = roundMs(records.durations[index]!);
    }
    const usage = nodeUsage(index);
    if (usage) result.usage = usage;
    // Keyed by user names: own data properties only (`setOwn`), whatever the name.
    setOwn(results, known ? redactor.redactText(node.id) : node.id, result);
  }
  const { runId, ownRunId, failure, cancelled, usage, startedAt } = run;
  const status: RunStatus = cancelled !== undefined ? "cancelled" : failure ? "failed" : "succeeded";
  const error: ErrorInfo | undefined =
    failure ?? (cancelled === undefined ? undefined : { code: "run.cancelled", message: cancelled });
  return {
    runId: known && !ownRunId ? redactor.redactText(runId) : runId,
    status,
    outputs: redactor.redact(run.outputs, 1),
    nodes: results,
    usage: known ? redactor.redact(usage, 1) : usage,
    ...(error ? { error: known ? redactor.redact(error, 1) : error } : {}),
    startedAt,
    durationMs: roundMs(run.durationMs),
  };
}

/** Milliseconds to the microsecond: more digits are noise. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
