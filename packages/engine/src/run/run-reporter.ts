import type { EventEmitter } from "eventemitter3";
import { type ErrorInfo, toErrorInfo } from "../errors/flow-error.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import { MAX_ERROR_MESSAGE_LENGTH } from "../limits.js";
import type { Redactor } from "../secrets/redactor.js";
import { cutText } from "./bounded-json.js";
import type { RunEventListeners } from "./events.js";
import type { NodeRecords } from "./node-records.js";
import type { NodeStatus, RunResult, RunStatus } from "./run-result.js";
import { TokenStreams } from "./token-streams.js";
import type { Usage } from "./usage.js";

/**
 * A run's events, each built only when someone listens to it, with secrets scrubbed from what
 * nodes produced (outputs, errors, logs, tokens).
 */
export class RunReporter {
  readonly #runId: string;
  readonly #events: EventEmitter<RunEventListeners>;
  readonly #redactor: Redactor;
  /** Each streaming node's latest attempt, whose tokens are scrubbed as one text (by node index). */
  /** Made at the first token: most runs stream nothing. */
  #tokens: TokenStreams | undefined;

  constructor(runId: string, events: EventEmitter<RunEventListeners>, redactor: Redactor) {
    this.#runId = runId;
    this.#events = events;
    this.#redactor = redactor;
  }

  /**
   * Whether anyone listens to `event`. Most runs have no listener at all, which eventemitter3's
   * count of event names tells without building the prefixed key `listenerCount` looks up.
   */
  #listens(event: keyof RunEventListeners): boolean {
    return (
      (this.#events as { _eventsCount?: number })._eventsCount !== 0 && this.#events.listenerCount(event) > 0
    );
  }

  runStart(timestamp: number, flowName: string | undefined, nodeCount: number): void {
    if (!this.#listens("run:start")) return;
    this.#events.emit("run:start", {
      runId: this.#runId,
      timestamp,
      ...(flowName ? { flowName } : {}),
      nodeCount,
    });
  }

  nodeStart(node: CompiledNode, timestamp: number): void {
    if (!this.#listens("node:start")) return;
    this.#events.emit("node:start", {
      runId: this.#runId,
      timestamp,
      nodeId: node.id,
      nodeType: node.nodeType.type,
    });
  }

  token(node: CompiledNode, attempt: number, token: string): void {
    this.#tokens ??= new TokenStreams(this.#runId, this.#events, this.#redactor);
    this.#tokens.push(node, attempt, token);
  }

  log(node: CompiledNode, level: "debug" | "info" | "warn", message: string): void {
    if (!this.#listens("node:log")) return;
    this.#events.emit("node:log", {
      runId: this.#runId,
      timestamp: Date.now(),
      nodeId: node.id,
      level,
      message: this.#redactor.redactText(message),
    });
  }

  retry(node: CompiledNode, attempt: number, delayMs: number, error: unknown): void {
    if (!this.#listens("node:retry")) return;
    this.#events.emit("node:retry", {
      runId: this.#runId,
      timestamp: Date.now(),
      nodeId: node.id,
      attempt,
      delayMs,
      error: this.redactError(toErrorInfo(error, node.id)),
    });
  }

  /**
   * A node ended: what its stream held back goes out first, then `node:end`. Whether a listener
   * may have run (and taken time) meanwhile.
   */
  nodeEnd(node: CompiledNode, status: NodeStatus, records: NodeRecords, usage?: Usage): boolean {
    this.#tokens?.end(node, status !== "succeeded");
    if (!this.#listens("node:end")) return this.#listens("node:token");
    const index = node.index;
    const error = records.errors[index];
    const reason = records.reasons[index];
    this.#events.emit("node:end", {
      runId: this.#runId,
      timestamp: Date.now(),
      nodeId: node.id,
      nodeType: node.nodeType.type,
      status,
      attempts: records.attempts[index]!,
      durationMs: records.durations[index]!,
      ...(status === "succeeded" ? { output: this.#redactor.redact(records.outputs[index]) } : {}),
      ...(error ? { error } : {}),
      ...(reason === undefined ? {} : { reason }),
      ...(usage === undefined ? {} : { usage }),
    });
    return true;
  }

  runEnd(status: RunStatus, result: RunResult): void {
    if (!this.#listens("run:end")) return;
    this.#events.emit("run:end", {
      runId: this.#runId,
      timestamp: Date.now(),
      status,
      durationMs: result.durationMs,
      result,
    });
  }

  /** Scrubs secrets from an error's message, then cuts it: cutting first could leave half a secret. */
  redactError(info: ErrorInfo): ErrorInfo {
    // Even a run that knows no secret scrubs messages: they can quote a URL with credentials.
    const message = cutText(this.#redactor.redactText(info.message), MAX_ERROR_MESSAGE_LENGTH);
    return message === info.message ? info : { ...info, message };
  }
}
