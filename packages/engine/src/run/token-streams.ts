import type { EventEmitter } from "eventemitter3";
import type { CompiledNode } from "../graph/compile-flow.js";
import type { Redactor } from "../secrets/redactor.js";
import { StreamRedactor } from "../secrets/stream-redactor.js";
import type { RunEventListeners } from "./events.js";

/**
 * Streamed tokens on their way to `node:token` listeners. A secret cut across tokens is in none of
 * them, so each attempt's tokens are scrubbed as one text: a token may be held back (it could be
 * the start of a secret) until the next one or the node's end.
 */
export class TokenStreams {
  readonly #runId: string;
  readonly #events: EventEmitter<RunEventListeners>;
  readonly #redactor: Redactor;
  /** Made at the first token: most runs stream nothing. */
  #streams: Map<number, { attempt: number; redactor: StreamRedactor }> | undefined;

  constructor(runId: string, events: EventEmitter<RunEventListeners>, redactor: Redactor) {
    this.#runId = runId;
    this.#events = events;
    this.#redactor = redactor;
  }

  push(node: CompiledNode, attempt: number, token: string): void {
    if (!this.#events.listenerCount("node:token")) return;
    this.#streams ??= new Map();
    let stream = this.#streams.get(node.index);
    if (stream?.attempt !== attempt) {
      // A new attempt: the previous one failed, so its stream was cut short.
      this.end(node, true);
      stream = { attempt, redactor: new StreamRedactor(this.#redactor) };
      this.#streams.set(node.index, stream);
    }
    this.#emit(node, attempt, stream.redactor.push(token));
  }

  /**
   * Lets out what a node's stream held back (the start of a secret, or not); masked when the
   * stream was `interrupted` (the node failed or was cancelled) or it is long enough to matter.
   */
  end(node: CompiledNode, interrupted: boolean): void {
    if (this.#streams === undefined || this.#streams.size === 0) return;
    const stream = this.#streams.get(node.index);
    if (!stream) return;
    this.#streams.delete(node.index);
    this.#emit(node, stream.attempt, stream.redactor.end({ interrupted }));
  }

  #emit(node: CompiledNode, attempt: number, token: string): void {
    if (token === "") return;
    this.#events.emit("node:token", {
      runId: this.#runId,
      timestamp: Date.now(),
      nodeId: node.id,
      attempt,
      token,
    });
  }
}
