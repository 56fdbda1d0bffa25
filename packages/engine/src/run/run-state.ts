import type { EventEmitter } from "eventemitter3";
import type { ConnectionKinds } from "../connection-kind/connection-kinds.js";
import type { ConnectionLimiter } from "../connection-kind/connection-limiter.js";
import type { ConnectionProvider } from "../connection-kind/provider.js";
import { type ErrorInfo, FlowError, toErrorInfo } from "../errors/flow-error.js";
import {
  evaluateTemplate,
  type Reference,
  type ReferenceResolver,
  readPath,
  setOwn,
  stringifyForInterpolation,
} from "../flow/references.js";
import type { CompiledFlow, CompiledNode } from "../graph/compile-flow.js";
import { findSkipReason, isTruthyCondition, type NodeState } from "../graph/skip.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RUN_TIMEOUT_MS, MAX_ERROR_MESSAGE_LENGTH } from "../limits.js";
import type { ResolvedConnection, TokenUsage } from "../node-type/define-node-type.js";
import { Redactor } from "../secrets/redactor.js";
import { Secret } from "../secrets/secret.js";
import { cutText, measureJsonLength } from "./bounded-json.js";
import type { RunEventListeners } from "./events.js";
import { RunNodeContext } from "./node-context.js";
import { computeRetryDelay, isRetryable, resolveRetryPolicy, sleep } from "./retry.js";
import { type Deadline, type RunLimits, resolveDeadline, runTimeoutError, startTimer } from "./run-limits.js";
import type { NodeResult, RunResult, RunStatus } from "./run-result.js";
import { TokenStreams } from "./token-streams.js";
import { UsageTally } from "./usage-tally.js";

/** What a run needs from its engine. */
export interface RunServices {
  connectionKinds: ConnectionKinds;
  connections: ConnectionProvider | undefined;
  limiter: ConnectionLimiter;
}

/** The mutable state of one run, and the ready-queue scheduler that drives it. */
export class RunState implements ReferenceResolver {
  readonly runId: string;
  readonly redactor = new Redactor();
  readonly variables = new Map<string, unknown>();
  readonly connectionKinds: ConnectionKinds;
  readonly connections: ConnectionProvider | undefined;
  readonly limiter: ConnectionLimiter;
  /** Whether the run asked nodes that can stream to stream (`RunOptions.stream`). */
  readonly stream: boolean;
  readonly limits: RunLimits;

  readonly #flow: CompiledFlow;
  readonly #nodes: readonly CompiledNode[];
  readonly #events: EventEmitter<RunEventListeners>;
  /** Nodes allowed to run at once, and the ready nodes waiting for a slot, first in first out. */
  readonly #concurrency: number;
  #running = 0;
  #waiting: CompiledNode[] = [];
  #waitingHead = 0;
  /** Nodes whose dependencies have ended, not yet looked at by the drain loop. */
  #ready: CompiledNode[] = [];
  #readyHead = 0;
  #draining = false;
  #detachSignal: (() => void) | undefined;
  /** Created on first use: most nodes never look at their signal. */
  #controller: AbortController | undefined;
  #aborted = false;
  #abortError: FlowError | undefined;
  readonly #states: NodeState[];
  readonly #remaining: Int32Array;
  readonly #outputs: unknown[];
  readonly #errors: Array<ErrorInfo | undefined>;
  readonly #reasons: Array<string | undefined>;
  readonly #attempts: Uint16Array;
  readonly #startedAt: Float64Array;
  readonly #durations: Float64Array;
  readonly #runningSince: Float64Array;
  readonly #usage = new UsageTally();
  #inputs: ReadonlyMap<string, unknown> = new Map();
  #ended = 0;
  #startedAtMs = 0;
  #startTime = 0;
  #failure: ErrorInfo | undefined;
  #cancelled = false;
  #runTimer: ReturnType<typeof setTimeout> | undefined;
  /** Controllers of running nodes that have their own signal (a timeout). */
  readonly #nodeControllers = new Map<
    number,
    { controller: AbortController; timer: ReturnType<typeof setTimeout> }
  >();
  /** Each streaming node's latest attempt, whose tokens are scrubbed as one text (by node index). */
  readonly #tokens: TokenStreams;
  #resolveResult!: (result: RunResult) => void;
  readonly result: Promise<RunResult>;

  constructor(
    flow: CompiledFlow,
    services: RunServices,
    events: EventEmitter<RunEventListeners>,
    options: { runId: string; concurrency: number; stream: boolean; limits: RunLimits },
  ) {
    this.runId = options.runId;
    this.stream = options.stream;
    this.limits = options.limits;
    this.connectionKinds = services.connectionKinds;
    this.connections = services.connections;
    this.limiter = services.limiter;
    this.#flow = flow;
    this.#nodes = flow.nodes;
    this.#events = events;
    this.#concurrency = options.concurrency;
    const count = flow.nodes.length;
    this.#states = new Array<NodeState>(count).fill("pending");
    this.#remaining = flow.dependencyCounts.slice();
    this.#outputs = new Array(count);
    this.#errors = new Array(count);
    this.#reasons = new Array(count);
    this.#attempts = new Uint16Array(count);
    this.#startedAt = new Float64Array(count);
    this.#durations = new Float64Array(count);
    this.#runningSince = new Float64Array(count);
    this.#tokens = new TokenStreams(this.runId, events, this.redactor);
    this.result = new Promise((resolve) => {
      this.#resolveResult = resolve;
    });
  }

  /** The run's signal: aborted when the run is cancelled or fails. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortError);
    }
    return this.#controller.signal;
  }

  /** Starts every node without dependencies; the rest start as their dependencies end. */
  start(inputs: ReadonlyMap<string, unknown>, signal: AbortSignal | undefined): void {
    this.#inputs = inputs;
    this.#startedAtMs = Date.now();
    this.#startTime = performance.now();
    if (this.#events.listenerCount("run:start")) {
      this.#events.emit("run:start", {
        runId: this.runId,
        timestamp: this.#startedAtMs,
        ...(this.#flow.flow.name ? { flowName: this.#flow.flow.name } : {}),
        nodeCount: this.#nodes.length,
      });
    }
    if (signal) {
      if (signal.aborted) {
        this.cancel(signal.reason);
        return;
      }
      const onAbort = () => this.cancel(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      // A signal shared by many runs must not keep a listener per finished run.
      this.#detachSignal = () => signal.removeEventListener("abort", onAbort);
    }
    if (this.#nodes.length === 0) {
      this.#finish();
      return;
    }
    const deadline = resolveDeadline(
      this.limits.runTimeoutMs,
      this.#flow.flow.timeoutMs,
      DEFAULT_RUN_TIMEOUT_MS,
    );
    this.#runTimer = startTimer(deadline.ms, () => this.#timeOut(deadline));
    for (const node of this.#nodes) {
      if (node.dependencies.length === 0) this.#ready.push(node);
    }
    this.#pump();
  }

  /** The run passed its deadline: it fails, and what still runs or waits is cancelled. */
  #timeOut(deadline: Deadline): void {
    if (this.#ended === this.#nodes.length || this.#aborted) return;
    const error = runTimeoutError(deadline);
    this.#failure ??= toErrorInfo(error);
    this.#abort(error, error.message);
  }

  /** How long one service request of `node` may take, and who said so. */
  requestDeadline(node: CompiledNode): Deadline {
    return resolveDeadline(
      this.limits.requestTimeoutMs,
      node.definition.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
    );
  }

  /** Cancels the run: nodes not started end `cancelled`, running ones get an aborted signal. */
  cancel(reason?: unknown): void {
    if (this.#ended === this.#nodes.length || this.#aborted) return;
    this.#cancelled = true;
    const message =
      typeof reason === "string"
        ? reason
        : reason instanceof Error
          ? reason.message
          : "the run was cancelled";
    this.#abort(new FlowError("run.cancelled", message || "the run was cancelled"), "the run was cancelled");
  }

  // --- references -----------------------------------------------------------------------

  resolve(reference: Reference): unknown {
    let value: unknown;
    if (reference.scope === "nodes") value = this.#outputs[this.#flow.byId.get(reference.nodeId)!.index];
    else if (reference.scope === "vars") value = this.variables.get(reference.name);
    else value = this.#inputs.get(reference.name);
    return reference.path.length === 0 ? value : readPath(value, reference.path);
  }

  interpolate(parts: unknown[]): unknown {
    let text = "";
    let secret = false;
    for (const part of parts) {
      if (part instanceof Secret) {
        secret = true;
        text += part.reveal();
      } else {
        text += stringifyForInterpolation(part);
      }
    }
    if (!secret) return text;
    const wrapped = new Secret(text);
    this.redactor.add(wrapped);
    return wrapped;
  }

  /** ` (its writer "x" was skipped)`, to explain a reference that resolved to nothing. */
  whySkipped(reference: Reference): string {
    const writer =
      reference.scope === "vars"
        ? this.#flow.byId.get(this.#flow.variableWriters.get(reference.name) ?? "")
        : reference.scope === "nodes"
          ? this.#flow.byId.get(reference.nodeId)
          : undefined;
    if (!writer) return "";
    const state = this.#states[writer.index];
    return state === "succeeded"
      ? ""
      : ` (its writer "${writer.id}" ${state === "skipped" ? "was skipped" : state})`;
  }

  // --- reporting from nodes -------------------------------------------------------------

  // Calls from a node that has already ended (it ignored its signal after a timeout or a
  // cancellation) are dropped: nothing may follow its node:end or change the result.

  emitToken(node: CompiledNode, attempt: number, token: string): void {
    if (this.#states[node.index] !== "running") return;
    this.#tokens.push(node, attempt, token);
  }

  emitLog(node: CompiledNode, level: "debug" | "info" | "warn", message: string): void {
    if (this.#states[node.index] !== "running" || !this.#events.listenerCount("node:log")) return;
    this.#events.emit("node:log", {
      runId: this.runId,
      timestamp: Date.now(),
      nodeId: node.id,
      level,
      message: this.redactor.redactText(message),
    });
  }

  addUsage(node: CompiledNode, usage: TokenUsage, connection?: ResolvedConnection): void {
    if (this.#states[node.index] !== "running") return;
    this.#usage.add(node.index, usage, connection);
  }

  // --- scheduling -----------------------------------------------------------------------

  /** A node's dependencies have all ended: look at it in the drain loop. */
  #schedule(node: CompiledNode): void {
    this.#ready.push(node);
    this.#pump();
  }

  #pump(): void {
    if (!this.#draining) this.#drain();
  }

  /**
   * Starts what can start, in a loop rather than by recursion: nodes that finish synchronously
   * (declaring a variable) end inside this loop, and a chain of thousands of them must not grow
   * the stack. Nodes waiting for a slot go first, then newly ready ones.
   */
  #drain(): void {
    this.#draining = true;
    try {
      for (;;) {
        if (this.#running < this.#concurrency && this.#waitingHead < this.#waiting.length) {
          this.#execute(this.#waiting[this.#waitingHead++]!);
        } else if (this.#readyHead < this.#ready.length) {
          this.#admit(this.#ready[this.#readyHead++]!);
        } else {
          break;
        }
      }
      // Every ready node was looked at; waiting ones stay until a slot frees up.
      this.#ready.length = 0;
      this.#readyHead = 0;
      if (this.#waitingHead === this.#waiting.length) {
        this.#waiting.length = 0;
        this.#waitingHead = 0;
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Skips the node, or queues it for a slot. */
  #admit(node: CompiledNode): void {
    if (this.#states[node.index] !== "pending") return;
    if (this.#aborted) {
      this.#end(node, "cancelled", undefined, this.#abortReason());
      return;
    }
    const skipReason = findSkipReason(node, this.#states, this.#nodes);
    if (skipReason !== undefined) {
      this.#end(node, "skipped", undefined, skipReason);
      return;
    }
    if (node.when !== undefined) {
      const condition = evaluateTemplate(node.when, this);
      if (!isTruthyCondition(condition)) {
        this.#end(node, "skipped", undefined, "its condition (when) was false");
        return;
      }
    }
    this.#states[node.index] = "queued";
    this.#waiting.push(node);
  }

  /** Starts a node; it ends in `#settle`, at once if its `run` returned a value rather than a promise. */
  #execute(node: CompiledNode): void {
    const index = node.index;
    this.#running++;
    this.#states[index] = "running";
    this.#startedAt[index] = Date.now();
    const started = performance.now();
    this.#runningSince[index] = started;
    if (this.#events.listenerCount("node:start")) {
      this.#events.emit("node:start", {
        runId: this.runId,
        timestamp: this.#startedAt[index]!,
        nodeId: node.id,
        nodeType: node.nodeType.type,
      });
    }
    const timeoutMs = node.definition.timeoutMs;
    let signal: AbortSignal | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut: Promise<never> | undefined;
    if (timeoutMs !== undefined) {
      const controller = new AbortController();
      signal = controller.signal;
      timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new FlowError(
            "node.timeout",
            `node "${node.id}" timed out after ${timeoutMs} ms (timeoutMs)`,
            {
              nodeId: node.id,
            },
          );
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      this.#nodeControllers.set(index, { controller, timer: timer! });
    }
    let result: unknown;
    try {
      result = this.#runAttempts(node, this.#resolveInputs(node), signal);
    } catch (error) {
      this.#settle(node, false, error, timer);
      return;
    }
    if (!isPromiseLike(result)) {
      this.#settle(node, true, result, timer);
      return;
    }
    let settled: PromiseLike<unknown> = result;
    if (timedOut) {
      // A node that ignores its signal still ends on time; its late result is dropped.
      Promise.resolve(result).catch(() => {});
      settled = Promise.race([result, timedOut]);
    }
    settled.then(
      (output) => this.#settle(node, true, output, timer),
      (error) => this.#settle(node, false, error, timer),
    );
  }

  /** A node's work is over: record its output (and variable) or its error, and let others start. */
  #settle(
    node: CompiledNode,
    ok: boolean,
    value: unknown,
    timer: ReturnType<typeof setTimeout> | undefined,
  ): void {
    const index = node.index;
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#nodeControllers.delete(index);
    }
    this.#running--;
    // Already ended: the run was cancelled or failed while this node ran.
    if (this.#states[index] !== "running") return;
    let error: ErrorInfo | undefined;
    if (ok) {
      try {
        this.#checkOutputLength(node, value);
        if (node.writes !== undefined) {
          const writeValue = node.nodeType.writes?.value;
          this.variables.set(node.writes, writeValue ? writeValue(value) : value);
        }
        this.#outputs[index] = value;
      } catch (caught) {
        error = this.#redactError(toErrorInfo(caught, node.id));
      }
    } else {
      error = this.#redactError(toErrorInfo(value, node.id));
    }
    this.#durations[index] = performance.now() - this.#runningSince[index]!;
    const failsRun = error !== undefined && !node.definition.continueOnError;
    if (failsRun) this.#failure ??= error;
    this.#end(node, error ? "failed" : "succeeded", error);
    if (failsRun) {
      this.#abort(
        new FlowError("run.aborted", `cancelled because node "${node.id}" failed`, { nodeId: node.id }),
        `node "${node.id}" failed`,
      );
    } else {
      this.#pump();
    }
  }

  /** Outputs are read, copied into events and written as JSON: one too large fails its node. */
  #checkOutputLength(node: CompiledNode, output: unknown): void {
    const max = this.limits.maxOutputLength;
    if (measureJsonLength(output, max) <= max) return;
    throw new FlowError(
      "node.output-too-large",
      `node "${node.id}" returned an output of more than ${max} characters as JSON (maxOutputLength, an option of the app running the flow)`,
      { nodeId: node.id },
    );
  }

  #resolveInputs(node: CompiledNode): unknown {
    const raw = evaluateTemplate(node.inputs, this);
    const parsed = node.nodeType.input.safeParse(raw);
    if (parsed.success) return parsed.data;
    const details = parsed.error.issues
      .map((issue) => `${issue.path.length ? `inputs.${issue.path.join(".")}` : "inputs"}: ${issue.message}`)
      .join("; ");
    throw new FlowError("node.input", `invalid input for ${node.nodeType.type}: ${details}`, {
      nodeId: node.id,
    });
  }

  /** The first attempt, synchronous when the node's `run` is; later attempts follow retryable failures. */
  #runAttempts(node: CompiledNode, input: unknown, signal: AbortSignal | undefined): unknown {
    this.#attempts[node.index] = 1;
    let pending: unknown;
    try {
      pending = node.nodeType.run(input, new RunNodeContext(this, node, signal, 1));
    } catch (error) {
      if (!isRetryable(error)) throw error;
      return this.#retry(node, input, signal, 1, error);
    }
    if (isPromiseLike(pending)) {
      return Promise.resolve(pending).then(
        (output) => this.#checkOutput(node, output),
        (error) => this.#retry(node, input, signal, 1, error),
      );
    }
    return this.#checkOutput(node, pending);
  }

  /** Retries after attempt `failed` failed with `error`, while the policy allows and the error is retryable. */
  async #retry(
    node: CompiledNode,
    input: unknown,
    signal: AbortSignal | undefined,
    failed: number,
    error: unknown,
  ): Promise<unknown> {
    const policy = resolveRetryPolicy(node.nodeType.retry, node.definition.retry);
    for (let attempt = failed; ; attempt++) {
      if (this.#aborted) throw this.#abortError ?? error;
      if (signal?.aborted) throw signal.reason ?? error;
      if (attempt >= policy.maxAttempts || !isRetryable(error)) throw error;
      const delayMs = computeRetryDelay(attempt, policy, (error as FlowError).retryAfterMs);
      if (this.#events.listenerCount("node:retry")) {
        this.#events.emit("node:retry", {
          runId: this.runId,
          timestamp: Date.now(),
          nodeId: node.id,
          attempt,
          delayMs,
          error: this.#redactError(toErrorInfo(error, node.id)),
        });
      }
      await sleep(delayMs, signal ?? this.signal);
      this.#attempts[node.index] = attempt + 1;
      try {
        return this.#checkOutput(
          node,
          await node.nodeType.run(input, new RunNodeContext(this, node, signal, attempt + 1)),
        );
      } catch (next) {
        error = next;
      }
    }
  }

  #checkOutput(node: CompiledNode, output: unknown): unknown {
    if (!node.nodeType.output) return output;
    const checked = node.nodeType.output.safeParse(output);
    if (checked.success) return output;
    throw new FlowError(
      "node.output",
      `${node.nodeType.type} returned an invalid output: ${checked.error.message}`,
      {
        nodeId: node.id,
      },
    );
  }

  #end(node: CompiledNode, state: NodeState, error?: ErrorInfo, reason?: string): void {
    const index = node.index;
    this.#states[index] = state;
    if (error) this.#errors[index] = error;
    if (reason !== undefined) this.#reasons[index] = reason;
    this.#ended++;
    this.#tokens.end(node, state !== "succeeded");
    if (this.#events.listenerCount("node:end")) {
      this.#events.emit("node:end", {
        runId: this.runId,
        timestamp: Date.now(),
        nodeId: node.id,
        nodeType: node.nodeType.type,
        status: state as NodeResult["status"],
        attempts: this.#attempts[index]!,
        durationMs: this.#durations[index]!,
        ...(state === "succeeded" ? { output: this.redactor.redact(this.#outputs[index]) } : {}),
        ...(error ? { error } : {}),
        ...(reason === undefined ? {} : { reason }),
      });
    }
    // A failure that fails the run starts nothing more: the run is about to be aborted.
    const fatal = state === "failed" && !node.definition.continueOnError;
    if (!fatal && !this.#aborted) {
      for (const dependent of node.dependents) {
        if (--this.#remaining[dependent]! === 0) this.#schedule(this.#nodes[dependent]!);
      }
    }
    if (this.#ended === this.#nodes.length) this.#finish();
  }

  #abort(reason: FlowError, why: string): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortError = reason;
    this.#controller?.abort(reason);
    this.#waiting.length = 0;
    this.#waitingHead = 0;
    // A node that ignores its signal must not keep the process alive until its timeout.
    for (const { controller, timer } of this.#nodeControllers.values()) {
      clearTimeout(timer);
      controller.abort(reason);
    }
    this.#nodeControllers.clear();
    const now = performance.now();
    for (const node of this.#nodes) {
      const state = this.#states[node.index];
      // Nodes waiting for dependencies or for a queue slot never start.
      if (state === "pending" || state === "queued") this.#end(node, "cancelled", undefined, why);
      // Running nodes end now; their signal is aborted and whatever they return later is dropped.
      else if (state === "running") {
        this.#durations[node.index] = now - this.#runningSince[node.index]!;
        this.#end(node, "cancelled", undefined, reason.message);
      }
    }
  }

  #abortReason(): string {
    return this.#abortError?.message ?? "the run was cancelled";
  }

  /** Scrubs secrets from an error's message, then cuts it: cutting first could leave half a secret. */
  #redactError(info: ErrorInfo): ErrorInfo {
    // Even a run that knows no secret scrubs messages: they can quote a URL with credentials.
    const message = cutText(this.redactor.redactText(info.message), MAX_ERROR_MESSAGE_LENGTH);
    return message === info.message ? info : { ...info, message };
  }

  #finished = false;

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#runTimer);
    this.#detachSignal?.();
    const status: RunStatus = this.#cancelled ? "cancelled" : this.#failure ? "failed" : "succeeded";
    // Keyed by user names: own data properties only (`setOwn`), whatever the name.
    const outputs: Record<string, unknown> = {};
    for (const [name, template] of this.#flow.outputs) {
      const value = evaluateTemplate(template, this);
      setOwn(outputs, name, value === undefined ? null : value);
    }
    const nodes: Record<string, NodeResult> = {};
    for (const node of this.#nodes) {
      const index = node.index;
      const state = this.#states[index] as NodeResult["status"];
      const result: NodeResult = { status: state, attempts: this.#attempts[index]! };
      if (state === "succeeded") result.output = this.#outputs[index];
      const error = this.#errors[index];
      if (error) result.error = error;
      const reason = this.#reasons[index];
      if (reason !== undefined) result.reason = reason;
      if (this.#attempts[index]! > 0) {
        result.startedAt = this.#startedAt[index]!;
        result.durationMs = roundMs(this.#durations[index]!);
      }
      const usage = this.#usage.forNode(index);
      if (usage) result.usage = usage;
      setOwn(nodes, node.id, result);
    }
    const runResult: RunResult = this.redactor.redact({
      runId: this.runId,
      status,
      outputs,
      nodes,
      usage: this.#usage.total,
      ...(this.#failure
        ? { error: this.#failure }
        : this.#cancelled
          ? { error: { code: "run.cancelled", message: this.#abortReason() } }
          : {}),
      startedAt: this.#startedAtMs,
      durationMs: roundMs(performance.now() - this.#startTime),
    });
    if (this.#events.listenerCount("run:end")) {
      this.#events.emit("run:end", {
        runId: this.runId,
        timestamp: Date.now(),
        status,
        durationMs: runResult.durationMs,
        result: runResult,
      });
    }
    this.#resolveResult(runResult);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
