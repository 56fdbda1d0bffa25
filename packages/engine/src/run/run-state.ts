import type { EventEmitter } from "eventemitter3";
import type { ConnectionKinds } from "../connection-kind/connection-kinds.js";
import type { ConnectionLimiter } from "../connection-kind/connection-limiter.js";
import type { ConnectionProvider } from "../connection-kind/provider.js";
import { type ErrorInfo, FlowError, toErrorInfo } from "../errors/flow-error.js";
import type { CompiledFlow, CompiledNode } from "../graph/compile-flow.js";
import { Redactor } from "../secrets/redactor.js";
import type { RunEventListeners } from "./events.js";
import { executeNode } from "./execute-node.js";
import { checkOutputLength } from "./node-output.js";
import { NodeRecords } from "./node-records.js";
import type { ExecutionRun } from "./node-run.js";
import { NodeTimeouts } from "./node-timeouts.js";
import type { Prices } from "./prices.js";
import type { Settle } from "./retry-loop.js";
import { cancellationError, RunAbort } from "./run-abort.js";
import { newRunId } from "./run-id.js";
import {
  type Deadline,
  type RunLimits,
  resolveRequestDeadline,
  resolveRunDeadline,
  runTimeoutError,
} from "./run-limits.js";
import { RunReporter } from "./run-reporter.js";
import { assembleRunResult, type NodeStatus, type RunResult } from "./run-result.js";
import { RunScope } from "./run-scope.js";
import { type RunSlot, RunWaits } from "./run-waits.js";
import { Scheduler, type SchedulerHooks } from "./scheduler.js";
import { type UsageReport, UsageTally } from "./usage-tally.js";

/** What a run needs from its engine. */
export interface RunServices {
  connectionKinds: ConnectionKinds;
  connections: ConnectionProvider | undefined;
  limiter: ConnectionLimiter;
  /** Prices to turn tokens into cost, if the app gave any. */
  prices?: Prices | undefined;
}

/**
 * One run: each node's way from pending to its end (admitted or skipped, executed, settled),
 * cancellation and failure, the run's deadline, and its result. The scheduler decides when.
 */
export class RunState implements ExecutionRun, SchedulerHooks {
  readonly runId: string;
  readonly redactor = new Redactor();
  readonly connectionKinds: ConnectionKinds;
  readonly connections: ConnectionProvider | undefined;
  readonly limiter: ConnectionLimiter;
  readonly stream: boolean;
  readonly limits: RunLimits;
  readonly records: NodeRecords;
  readonly scope: RunScope;
  readonly timeouts = new NodeTimeouts();
  /** Cancels and times out the run; what a request's signal follows when its node has none. */
  readonly abortParent = new RunAbort();
  readonly result: Promise<RunResult>;
  /** Only in a batch: when the run only waits on its connections, its slot goes to another row. */
  readonly waits: RunWaits | undefined;

  readonly #flow: CompiledFlow;
  readonly #nodes: readonly CompiledNode[];
  readonly #reporter: RunReporter;
  readonly #scheduler: Scheduler;
  readonly #usage: UsageTally;
  #ended = 0;
  /** Nodes ended other than `succeeded`: while none, no node is skipped for its data. */
  #unsucceeded = 0;
  /** The clock a node's end read, until code of a node or listener runs (else -1): its release starts nodes at it. */
  #now = -1;
  #startedAtMs = 0;
  #startTime = 0;
  #failure: ErrorInfo | undefined;
  #cancelled = false;
  #finished = false;
  readonly #ownRunId: boolean;
  #resolveResult!: (result: RunResult) => void;

  constructor(
    flow: CompiledFlow,
    services: RunServices,
    events: EventEmitter<RunEventListeners>,
    options: { runId?: string; concurrency: number; stream: boolean; limits: RunLimits; slot?: RunSlot },
  ) {
    this.runId = options.runId ?? newRunId();
    this.#ownRunId = options.runId === undefined;
    this.stream = options.stream;
    this.limits = options.limits;
    this.connectionKinds = services.connectionKinds;
    this.connections = services.connections;
    this.limiter = services.limiter;
    this.#usage = new UsageTally(services.prices);
    this.#flow = flow;
    this.#nodes = flow.nodes;
    this.#reporter = new RunReporter(this.runId, events, this.redactor);
    this.records = new NodeRecords(flow.nodes.length);
    this.scope = new RunScope(flow, this.records, this.redactor);
    this.#scheduler = new Scheduler(flow.nodes, flow.dependencyCounts, options.concurrency, this);
    this.result = new Promise((resolve) => {
      this.#resolveResult = resolve;
    });
    this.waits = options.slot && new RunWaits(options.slot, this.#scheduler);
  }

  get signal(): AbortSignal {
    return this.abortParent.signal;
  }

  get aborted(): boolean {
    return this.abortParent.aborted;
  }

  get abortError(): FlowError | undefined {
    return this.abortParent.error;
  }

  get variables(): ReadonlyMap<string, unknown> {
    return this.scope.variables;
  }

  /** Starts every node without dependencies; the rest start as their dependencies end. */
  start(inputs: ReadonlyMap<string, unknown>, signal: AbortSignal | undefined): void {
    this.scope.inputs = inputs;
    this.#startedAtMs = Date.now();
    this.#startTime = performance.now();
    this.#reporter.runStart(this.#startedAtMs, this.#flow.flow.name, this.#nodes.length);
    if (signal?.aborted) {
      // Set first: a flow without nodes has nothing to cancel, and ends cancelled below.
      this.#cancelled = true;
      this.cancel(signal.reason);
    } else if (signal) this.abortParent.follow(signal, () => this.cancel(signal.reason));
    if (this.#nodes.length === 0) this.#finish();
    if (this.#finished || this.aborted) return;
    const deadline = resolveRunDeadline(this.limits, this.#flow);
    this.abortParent.startDeadline(deadline, () => this.#timeOut(deadline));
    this.#scheduler.start();
  }

  /** The run passed its deadline: it fails, and what still runs or waits is cancelled. */
  #timeOut(deadline: Deadline): void {
    if (this.#ended === this.#nodes.length || this.aborted) return;
    const error = runTimeoutError(deadline);
    this.#failure ??= toErrorInfo(error);
    this.#stop(error, error.message);
  }

  /** Cancels the run: nodes not started end `cancelled`, running ones get an aborted signal. */
  cancel(reason?: unknown): void {
    if (this.#ended === this.#nodes.length || this.aborted) return;
    this.#cancelled = true;
    this.#stop(cancellationError(reason), "the run was cancelled");
  }

  requestDeadline(node: CompiledNode): Deadline {
    return resolveRequestDeadline(this.limits, node);
  }

  emitToken(node: CompiledNode, attempt: number, token: string): void {
    if (this.records.states[node.index] === "running") this.#reporter.token(node, attempt, token);
  }

  emitLog(node: CompiledNode, level: "debug" | "info" | "warn", message: string): void {
    if (this.records.states[node.index] === "running") this.#reporter.log(node, level, message);
  }

  addUsage(node: CompiledNode, ...report: UsageReport): void {
    if (this.records.states[node.index] !== "running") return;
    this.#usage.add(node.index, ...report);
  }

  reportRetry(node: CompiledNode, attempt: number, delayMs: number, error: unknown): void {
    this.#reporter.retry(node, attempt, delayMs, error);
  }

  /** For the scheduler: skips the node, or lets it wait for a slot. */
  admit(index: number): boolean {
    const node = this.#nodes[index]!;
    if (this.records.states[index] !== "pending") return false;
    if (this.aborted) {
      this.#end(node, "cancelled", undefined, this.abortError!.message);
      return false;
    }
    const skipReason =
      this.#unsucceeded === 0 && node.when === undefined ? undefined : this.scope.skipReason(node);
    if (skipReason !== undefined) {
      this.#end(node, "skipped", undefined, skipReason);
      return false;
    }
    this.records.states[index] = "queued";
    return true;
  }

  /** For the scheduler: starts a node; it ends in `#settle` (at once if its `run` returns a value). */
  execute(index: number): void {
    const node = this.#nodes[index]!;
    const records = this.records;
    records.states[index] = "running";
    // At most one clock read per start: the wall-clock start follows from the run's own.
    const now = this.#now >= 0 ? this.#now : performance.now();
    this.#now = -1;
    records.runningSince[index] = now;
    records.startedAt[index] = this.#startedAtMs + Math.round(now - this.#startTime);
    this.#reporter.nodeStart(node, records.startedAt[index]!);
    executeNode(this, node, this.#settle);
  }

  /** A node's work is over: record its output (and variable) or its error, and let others start. */
  readonly #settle: Settle = (node, ok, value) => {
    const index = node.index;
    if (node.definition.timeoutMs !== undefined) this.timeouts.clear(index);
    this.#scheduler.finished();
    const records = this.records;
    // Already ended: the run was cancelled or failed while this node ran.
    if (records.states[index] !== "running") return;
    let error: ErrorInfo | undefined;
    if (ok) {
      try {
        checkOutputLength(node, value, this.limits.maxOutputLength);
        this.scope.setOutput(node, value);
      } catch (caught) {
        error = this.#reporter.redactError(toErrorInfo(caught, node.id));
      }
    } else {
      error = this.#reporter.redactError(toErrorInfo(value, node.id));
    }
    this.#now = performance.now();
    records.durations[index] = this.#now - records.runningSince[index]!;
    const failsRun = error !== undefined && !node.definition.continueOnError;
    if (failsRun) this.#failure ??= error;
    this.#end(node, error ? "failed" : "succeeded", error);
    this.#now = -1;
    if (failsRun) {
      this.#stop(
        new FlowError("run.aborted", `cancelled because node "${node.id}" failed`, { nodeId: node.id }),
        `node "${node.id}" failed`,
      );
    }
    // The nodes still running may all be waiting on their connections now.
    this.waits?.check();
  };

  #end(node: CompiledNode, state: NodeStatus, error?: ErrorInfo, reason?: string): void {
    const index = node.index;
    const records = this.records;
    records.states[index] = state;
    if (error) records.errors[index] = error;
    if (reason !== undefined) records.reasons[index] = reason;
    this.#ended++;
    if (state !== "succeeded") this.#unsucceeded++;
    if (this.#reporter.nodeEnd(node, state, records, this.#usage.forNode(index))) this.#now = -1;
    // A failure that fails the run starts nothing more: the run is about to be aborted.
    const fatal = state === "failed" && !node.definition.continueOnError;
    if (!fatal && !this.aborted) this.#scheduler.release(index);
    if (this.#ended === this.#nodes.length) this.#finish();
  }

  /** The run is cancelled or failed: nothing more starts, and every node not ended yet ends `cancelled`. */
  #stop(reason: FlowError, why: string): void {
    if (!this.abortParent.abort(reason)) return;
    this.#scheduler.stop();
    this.timeouts.abortAll(reason);
    const records = this.records;
    const now = performance.now();
    for (const node of this.#nodes) {
      const state = records.states[node.index];
      // Nodes waiting for dependencies or for a queue slot never start.
      if (state === "pending" || state === "queued") this.#end(node, "cancelled", undefined, why);
      // Running nodes end now; their signal is aborted and whatever they return later is dropped.
      else if (state === "running") {
        records.durations[node.index] = now - records.runningSince[node.index]!;
        this.#end(node, "cancelled", undefined, reason.message);
      }
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.abortParent.dispose();
    const result = assembleRunResult(
      {
        runId: this.runId,
        ownRunId: this.#ownRunId,
        failure: this.#failure,
        cancelled: this.#cancelled ? (this.abortError?.message ?? "the run was cancelled") : undefined,
        outputs: this.scope.flowOutputs(),
        usage: this.#usage.total,
        startedAt: this.#startedAtMs,
        durationMs: performance.now() - this.#startTime,
      },
      this.#nodes,
      this.records,
      (index) => this.#usage.forNode(index),
      this.redactor,
    );
    this.#reporter.runEnd(result.status, result);
    this.#resolveResult(result);
  }
}
