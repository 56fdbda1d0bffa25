import type { ErrorInfo } from "../errors/flow-error.js";
import type { NodeStatus, RunResult, RunStatus } from "./run-result.js";
import type { Usage } from "./usage.js";

/** Fields every event has. */
export interface EventBase {
  /** The run's id: the same in every event of one run. */
  runId: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** Every event a run emits, by name. The one observability channel: reporters, traces and tests read these. */
export interface RunEvents {
  /** The run began: no node has started yet. */
  "run:start": EventBase & { flowName?: string; nodeCount: number };
  /** A node's dependencies are done and it starts (its first attempt). */
  "node:start": EventBase & { nodeId: string; nodeType: string };
  /**
   * A piece of streamed output, such as a token of a chat completion. After a retry, tokens start
   * again with the new `attempt`: a consumer keeps only the tokens of the latest attempt. Text
   * that could be the start of a secret is held back and sent with the next token (masked, if it
   * was one), so tokens may be cut differently from the node's own; joined, they are the same.
   */
  "node:token": EventBase & { nodeId: string; attempt: number; token: string };
  /** An attempt failed and another one follows after `delayMs`. */
  "node:retry": EventBase & { nodeId: string; attempt: number; delayMs: number; error: ErrorInfo };
  /** A message a node logged. */
  "node:log": EventBase & { nodeId: string; level: "debug" | "info" | "warn"; message: string };
  /** A node ended, however: succeeded, failed, skipped or cancelled. */
  "node:end": EventBase & {
    nodeId: string;
    nodeType: string;
    status: NodeStatus;
    attempts: number;
    durationMs: number;
    output?: unknown;
    error?: ErrorInfo;
    /** Why a node was skipped or cancelled. */
    reason?: string;
    /** The tokens (and cost) of the node's service calls, if it made any. */
    usage?: Usage;
  };
  /** The run ended; `result` is what the run handle's promise gives. */
  "run:end": EventBase & { status: RunStatus; durationMs: number; result: RunResult };
}

/** The name of a run event. */
export type RunEventName = keyof RunEvents;

/** Listener signatures in the form eventemitter3 expects. */
export type RunEventListeners = { [K in RunEventName]: (event: RunEvents[K]) => void };

/** Every event name, for reporters that record them all (traces). */
export const RUN_EVENT_NAMES: readonly RunEventName[] = [
  "run:start",
  "node:start",
  "node:token",
  "node:retry",
  "node:log",
  "node:end",
  "run:end",
];
