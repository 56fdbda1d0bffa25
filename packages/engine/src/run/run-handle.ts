import { EventEmitter } from "eventemitter3";
import type { CompiledFlow } from "../graph/compile-flow.js";
import { secretValuesAtStart } from "../graph/secret-sources.js";
import type { RunEventListeners } from "./events.js";
import { prepareInputs } from "./flow-inputs.js";
import type { RunLimits } from "./run-limits.js";
import type { RunResult } from "./run-result.js";
import { type RunServices, RunState } from "./run-state.js";
import type { RunSlot } from "./run-waits.js";

const STARTED = Promise.resolve();

/** A running flow: typed events, a promise of its result, and `cancel`. Awaiting it gives the result. */
export class RunHandle extends EventEmitter<RunEventListeners> implements PromiseLike<RunResult> {
  readonly runId: string;
  /** Resolves when every node has ended. Never rejects: failures are in the result. */
  readonly result: Promise<RunResult>;
  readonly #state: RunState;
  /** Set by `cancel()` before the run has started: the run then starts already cancelled. */
  #cancelledEarly: AbortController | undefined;
  #started = false;

  /** @internal Use `engine.run()`. Throws a `FlowError` (`input.invalid`) before anything runs. */
  constructor(
    flow: CompiledFlow,
    services: RunServices,
    options: {
      /** Made by the run when not given. */
      runId?: string;
      concurrency: number;
      inputs: Record<string, unknown>;
      stream: boolean;
      limits: RunLimits;
      signal?: AbortSignal;
      slot?: RunSlot;
    },
  ) {
    super();
    this.#state = new RunState(flow, services, this, options);
    this.runId = this.#state.runId;
    this.result = this.#state.result;
    const inputs = prepareInputs(flow.flow.inputs, options.inputs, this.#state.redactor);
    // Values that become keys later in the run are scrubbed from its first event on.
    for (const secret of secretValuesAtStart(flow, inputs)) this.#state.redactor.add(secret);
    // Start on the next microtask, so listeners added right after `run()` see every event. A
    // resolved promise rather than `queueMicrotask`, which makes an async resource per call.
    STARTED.then(() => {
      this.#started = true;
      this.#state.start(inputs, this.#cancelledEarly?.signal ?? options.signal);
    });
  }

  /** Cancels the run: running nodes get an aborted signal, nodes not started end `cancelled`. */
  cancel(reason?: string): void {
    if (this.#started) {
      this.#state.cancel(reason);
      return;
    }
    // Cancelling a run that has not started yet would end it before its run:start, and leave
    // the run's listener on the caller's signal: start it with an aborted signal instead.
    this.#cancelledEarly ??= new AbortController();
    this.#cancelledEarly.abort(reason ?? "the run was cancelled");
  }

  // biome-ignore lint/suspicious/noThenProperty: a run handle is awaitable on purpose
  then<A = RunResult, B = never>(
    onFulfilled?: ((value: RunResult) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onFulfilled, onRejected);
  }
}
