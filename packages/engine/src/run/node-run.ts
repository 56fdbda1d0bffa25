import type { ConnectionKinds } from "../connection-kind/connection-kinds.js";
import type { ConnectionLimiter } from "../connection-kind/connection-limiter.js";
import type { ConnectionProvider } from "../connection-kind/provider.js";
import type { FlowError } from "../errors/flow-error.js";
import type { TemplateScope } from "../flow/compile-template.js";
import type { Reference } from "../flow/references.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type { Redactor } from "../secrets/redactor.js";
import type { NodeRecords } from "./node-records.js";
import type { NodeTimeouts } from "./node-timeouts.js";
import type { AbortParent, Deadline, RunLimits } from "./run-limits.js";
import type { RunWaits } from "./run-waits.js";
import type { UsageReport } from "./usage-tally.js";

/** What a node's context reads of its run, and how the node reports back to it. */
export interface NodeRun {
  readonly runId: string;
  /** The run's signal: aborted when the run is cancelled or fails. */
  readonly signal: AbortSignal;
  /** What a request's signal follows when the node has no signal of its own. */
  readonly abortParent: AbortParent;
  /** Whether the run asked nodes that can stream to stream (`RunOptions.stream`). */
  readonly stream: boolean;
  readonly variables: ReadonlyMap<string, unknown>;
  readonly redactor: Redactor;
  readonly limits: RunLimits;
  readonly connectionKinds: ConnectionKinds;
  readonly connections: ConnectionProvider | undefined;
  readonly limiter: ConnectionLimiter;
  /** Only in a batch: the run's waits on its connections, to give its slot to another row. */
  readonly waits: RunWaits | undefined;
  /** What references read: the flow's inputs, variables and nodes' outputs. */
  readonly scope: RunReferences;
  /** How long one service request of `node` may take, and who said so. */
  requestDeadline(node: CompiledNode): Deadline;
  // Reports from a node that has already ended (it ignored its signal after a timeout or a
  // cancellation) are dropped: nothing may follow its node:end or change the result.
  emitToken(node: CompiledNode, attempt: number, token: string): void;
  emitLog(node: CompiledNode, level: "debug" | "info" | "warn", message: string): void;
  addUsage(node: CompiledNode, ...report: UsageReport): void;
}

/** What references read during a run. */
export interface RunReferences extends TemplateScope {
  /** ` (its writer "x" was skipped)`, to explain a reference that resolved to nothing. */
  whySkipped(reference: Reference): string;
}

/** What executing a node (inputs, deadline, attempts) needs of its run. */
export interface ExecutionRun extends NodeRun {
  readonly records: NodeRecords;
  readonly timeouts: NodeTimeouts;
  /** Whether the run was cancelled or failed; `abortError` says why. */
  readonly aborted: boolean;
  readonly abortError: FlowError | undefined;
  /** Announces that attempt `attempt` failed with `error` and another follows after `delayMs`. */
  reportRetry(node: CompiledNode, attempt: number, delayMs: number, error: unknown): void;
}
