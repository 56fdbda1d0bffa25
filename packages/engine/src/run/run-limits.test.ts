import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { recordEvents, waitForAbort } from "../../test-support/run-harness.js";
import { testConnectionKinds } from "../../test-support/test-connection-kinds.js";
import type { Connection } from "../connection-kind/define-connection-kind.js";
import { InMemoryConnectionProvider } from "../connection-kind/provider.js";
import { createEngine, type EngineOptions } from "../engine.js";
import type { FlowDefinition } from "../flow/schema.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RUN_TIMEOUT_MS } from "../limits.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";
import { resolveDeadline } from "./run-limits.js";

/** Waits for its signal: a node whose service never answers, with no request of its own. */
const waiting = defineNodeType({
  type: "waiting",
  description: "Waits until aborted.",
  input: z.object({}),
  run: (_input, context) => waitForAbort(context.signal),
});

/** Makes one service request through its connection's slot; how it behaves is up to the test. */
let request: (signal: AbortSignal) => Promise<unknown> = waitForAbort;
const calling = defineNodeType({
  type: "calling",
  description: "Calls a service.",
  input: z.object({}),
  usesConnection: true,
  connectionKinds: testConnectionKinds,
  async run(_input, context) {
    const service = await context.connection();
    return service.call((signal) => request(signal));
  },
});

const connections = new InMemoryConnectionProvider({
  service: { type: "openai", apiKey: new Secret("service-key-123456") } satisfies Connection,
  single: { type: "openai", apiKey: new Secret("single-key-123456"), maxConcurrency: 1 } satisfies Connection,
});

function engineWith(options: Partial<EngineOptions> = {}) {
  return createEngine({ nodeTypes: [waiting, calling], connections, ...options });
}

const callNode = (id = "call", extra: object = {}) => ({
  id,
  type: "calling",
  connection: "service",
  ...extra,
});

afterEach(() => {
  request = waitForAbort;
  vi.useRealTimers();
});

describe("resolveDeadline", () => {
  it("takes the shortest value given, and the default when none is", () => {
    expect(resolveDeadline(undefined, undefined, 9)).toEqual({ ms: 9, setBy: "default" });
    expect(resolveDeadline(5, undefined, 9)).toEqual({ ms: 5, setBy: "app" });
    expect(resolveDeadline(undefined, 50, 9)).toEqual({ ms: 50, setBy: "flow" });
    expect(resolveDeadline(5, 50, 9)).toEqual({ ms: 5, setBy: "app" });
    expect(resolveDeadline(50, 5, 9)).toEqual({ ms: 5, setBy: "flow" });
    expect(resolveDeadline(Infinity, undefined, 9)).toEqual({ ms: Infinity, setBy: "app" });
  });
});

describe("the run's deadline", () => {
  it("fails a run that passes it with run.timeout, and cancels what still runs", async () => {
    const handle = engineWith({ runTimeoutMs: 30 }).run({ nodes: [{ id: "slow", type: "waiting" }] });
    const events = recordEvents(handle);
    const result = await handle;

    expect(result.status).toBe("failed");
    expect(result.error).toEqual({
      code: "run.timeout",
      message: "the run did not finish within 30 ms (runTimeoutMs, set by the app running the flow)",
    });
    expect(result.nodes.slow).toMatchObject({ status: "cancelled", reason: result.error!.message });
    expect(events.map((event) => event.name)).toEqual(["run:start", "node:start", "node:end", "run:end"]);
  });

  it("takes the run's option over the engine's", async () => {
    const result = await engineWith({ runTimeoutMs: 60_000 }).run(
      { nodes: [{ id: "slow", type: "waiting" }] },
      { runTimeoutMs: 20 },
    );
    expect(result.error?.message).toContain("within 20 ms");
  });

  it("lets a flow shorten the app's deadline, never lengthen it", async () => {
    const flow = (timeoutMs: number): FlowDefinition => ({
      timeoutMs,
      nodes: [{ id: "slow", type: "waiting" }],
    });

    const shorter = await engineWith({ runTimeoutMs: 60_000 }).run(flow(20));
    expect(shorter.error).toEqual({
      code: "run.timeout",
      message: `the run did not finish within 20 ms (the flow's "timeoutMs")`,
    });
    const longer = await engineWith({ runTimeoutMs: 20 }).run(flow(60_000));
    expect(longer.error?.message).toBe(
      "the run did not finish within 20 ms (runTimeoutMs, set by the app running the flow)",
    );
  });

  it("is 10 minutes unless set, and says how to change it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const handle = engineWith().run({ nodes: [{ id: "slow", type: "waiting" }] });
    await vi.advanceTimersByTimeAsync(DEFAULT_RUN_TIMEOUT_MS - 1);
    let ended = false;
    void handle.then(() => {
      ended = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = await handle;

    expect(result.error).toEqual({
      code: "run.timeout",
      message: `the run did not finish within 600000 ms (the default; a flow changes it with "timeoutMs" at its top, an app with the runTimeoutMs option)`,
    });
  });

  it("is none with Infinity", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let release!: () => void;
    request = () => new Promise((resolve) => (release = () => resolve("late")));
    const handle = engineWith({ runTimeoutMs: Infinity, requestTimeoutMs: Infinity }).run({
      nodes: [callNode()],
    });
    await vi.advanceTimersByTimeAsync(10 * DEFAULT_RUN_TIMEOUT_MS);
    release();
    const result = await handle;
    expect(result.status).toBe("succeeded");
    expect(result.nodes.call!.output).toBe("late");
  });

  it("refuses a deadline that is not above 0", () => {
    expect(() => engineWith({ runTimeoutMs: 0 })).toThrow(
      "Expected `runTimeoutMs` to be a number above 0 (Infinity for none), got 0",
    );
    expect(() => engineWith().run({ nodes: [] }, { requestTimeoutMs: -1 })).toThrow(RangeError);
  });
});

describe("a service request's deadline", () => {
  it("fails the attempt with a retryable node.timeout, and the retry policy goes on", async () => {
    const handle = engineWith({ requestTimeoutMs: 20 }).run({
      nodes: [callNode("call", { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 } })],
    });
    const events = recordEvents(handle);
    const result = await handle;

    const message =
      'node "call": a service request did not finish within 20 ms (requestTimeoutMs, set by the app running the flow)';
    expect(result.nodes.call).toMatchObject({
      status: "failed",
      attempts: 3,
      error: { code: "node.timeout", message },
    });
    expect(events.filter((event) => event.name === "node:retry")).toHaveLength(2);
  });

  it("ends a request that ignores its signal on time, dropping its late answer", async () => {
    let release!: () => void;
    request = () => new Promise((resolve) => (release = () => resolve("late")));
    const result = await engineWith().run({ nodes: [callNode("call", { requestTimeoutMs: 20 })] });
    release();

    expect(result.nodes.call!.error).toEqual({
      code: "node.timeout",
      nodeId: "call",
      message: `node "call": a service request did not finish within 20 ms (the node's "requestTimeoutMs")`,
    });
  });

  it("holds a request that takes no signal to its deadline too", async () => {
    const parameterless = defineNodeType({
      type: "parameterless",
      description: "Calls a service with a request that declares no parameter.",
      input: z.object({}),
      usesConnection: true,
      connectionKinds: testConnectionKinds,
      async run(_input, context) {
        const service = await context.connection();
        return service.call(() => new Promise(() => {}));
      },
    });
    const engine = createEngine({ nodeTypes: [parameterless], connections });
    const result = await engine.run({
      nodes: [{ id: "call", type: "parameterless", connection: "service", requestTimeoutMs: 20 }],
    });

    expect(result.nodes.call!.error).toMatchObject({ code: "node.timeout", nodeId: "call" });
  });

  it("calls a request that declares no parameter without a signal", async () => {
    let seen: unknown[] | undefined;
    const restArguments = defineNodeType({
      type: "rest-arguments",
      description: "Calls a service with a request that reads its signal through rest arguments.",
      input: z.object({}),
      usesConnection: true,
      connectionKinds: testConnectionKinds,
      async run(_input, context) {
        const service = await context.connection();
        return service.call((...args: unknown[]) => {
          seen = args;
          return Promise.resolve("ok");
        });
      },
    });
    const engine = createEngine({ nodeTypes: [restArguments], connections });
    const result = await engine.run({
      nodes: [{ id: "call", type: "rest-arguments", connection: "service" }],
    });

    expect(result.status).toBe("succeeded");
    expect(seen).toEqual([]);
  });

  it("aborts a request in flight with the run's reason when the run is cancelled", async () => {
    let seen: AbortSignal | undefined;
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    request = (signal) => {
      seen = signal;
      started();
      return waitForAbort(signal);
    };
    const handle = engineWith().run({ nodes: [callNode()] });
    await inFlight;
    handle.cancel("stop");
    const result = await handle;

    expect(result.status).toBe("cancelled");
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toMatchObject({ code: "run.cancelled", message: "stop" });
  });

  it("is 2 minutes unless set, and says how to change it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const handle = engineWith().run({ nodes: [callNode()] });
    await vi.advanceTimersByTimeAsync(DEFAULT_REQUEST_TIMEOUT_MS);
    const result = await handle;

    expect(result.nodes.call!.error!.message).toBe(
      `node "call": a service request did not finish within 120000 ms (the default; a node changes it with "requestTimeoutMs", an app with the requestTimeoutMs option)`,
    );
  });

  it("starts once the request holds its connection slot: waiting for a busy connection does not count", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    // Each request takes 900 ms of a 1,000 ms deadline; the second waits 900 ms for the one slot first.
    request = () => new Promise((resolve) => setTimeout(() => resolve("done"), 900));
    const handle = engineWith({ requestTimeoutMs: 1_000 }).run({
      nodes: [callNode("first", { connection: "single" }), callNode("second", { connection: "single" })],
    });
    await vi.advanceTimersByTimeAsync(2_000);
    const result = await handle;

    expect(result.status).toBe("succeeded");
    expect([result.nodes.first!.output, result.nodes.second!.output]).toEqual(["done", "done"]);
  });
});
