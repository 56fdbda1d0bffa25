import { z } from "zod";
import type { Connection } from "../src/connection-kind/define-connection-kind.js";
import { InMemoryConnectionProvider } from "../src/connection-kind/provider.js";
import { createEngine, type Engine, type EngineOptions } from "../src/engine.js";
import type { FlowDefinition } from "../src/flow/schema.js";
import { type AnyNodeType, defineNodeType, type NodeContext } from "../src/node-type/define-node-type.js";
import { RUN_EVENT_NAMES, type RunEventName, type RunEvents } from "../src/run/events.js";
import type { RunHandle } from "../src/run/run-handle.js";
import { Secret } from "../src/secrets/secret.js";
import { testConnectionKinds } from "./test-connection-kinds.js";
import { callNodeType } from "./test-node-types.js";

/** A promise with its resolve and reject in hand, so a test decides when things happen. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What a `step` node does, by node id; without one it returns its `value` input. */
export type Behaviour = (input: StepInput, context: NodeContext) => unknown;

export interface StepInput {
  name?: string | undefined;
  value?: unknown;
}

/** An event as recorded: its name and its payload. */
export type RecordedEvent = { [K in RunEventName]: { name: K } & RunEvents[K] }[RunEventName];

/** The static connection the harness engine knows, named `static`. */
export const STATIC_KEY = "static-key-SHOULD-NOT-LEAK";

/**
 * An engine whose `step` node type does, per node id, what the test says. Tests hold nodes open
 * with deferred promises and watch events, so ordering is proven without timers.
 */
export function createHarness(
  options: { nodeTypes?: AnyNodeType[]; concurrency?: number; engine?: Partial<EngineOptions> } = {},
) {
  const behaviours = new Map<string, Behaviour>();
  const stepNodeType = defineNodeType({
    type: "step",
    description: "Does what the test says.",
    input: z.object({ name: z.string().optional(), value: z.unknown().optional() }).strict(),
    writes: { input: "name" },
    run(input: StepInput, context) {
      const behaviour = behaviours.get(context.nodeId);
      return behaviour ? behaviour(input, context) : input.value;
    },
  });
  const staticConnection: Connection = { type: "openai", apiKey: new Secret(STATIC_KEY) };
  const engine: Engine = createEngine({
    nodeTypes: [stepNodeType, callNodeType, ...(options.nodeTypes ?? [])],
    connectionKinds: testConnectionKinds,
    connections: new InMemoryConnectionProvider({ static: staticConnection }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...options.engine,
  });

  return {
    engine,
    behaviours,
    /** Makes node `id` wait until the test resolves (its value becomes the output) or rejects it. */
    hold(id: string): Deferred<unknown> {
      const gate = deferred<unknown>();
      behaviours.set(id, () => gate.promise);
      return gate;
    },
    /** Starts a run and records every event it emits. */
    start(flow: FlowDefinition, runOptions: Parameters<Engine["run"]>[1] = {}) {
      const handle = engine.run(flow, runOptions);
      return { handle, events: recordEvents(handle) };
    },
  };
}

/** Records every event of a run, in order. */
export function recordEvents(handle: RunHandle): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const name of RUN_EVENT_NAMES) {
    handle.on(name, (event: object) => events.push({ name, ...event } as RecordedEvent));
  }
  return events;
}

/** Resolves with the first event of that name (and node) the run emits from now on. */
export function nextEvent<K extends RunEventName>(
  handle: RunHandle,
  name: K,
  nodeId?: string,
): Promise<RunEvents[K]> {
  return new Promise((resolve) => {
    const listener = (event: RunEvents[K]) => {
      if (nodeId !== undefined && (event as { nodeId?: string }).nodeId !== nodeId) return;
      handle.off(name, listener as never);
      resolve(event);
    };
    handle.on(name, listener as never);
  });
}

/** `name:nodeId` for each event, to compare orders. */
export function timeline(events: readonly RecordedEvent[]): string[] {
  return events.map((event) => ("nodeId" in event ? `${event.name}:${event.nodeId}` : event.name));
}

/** Waits until the node's signal aborts, then rejects with its reason, like a well-behaved request. */
export function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
