import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createHarness } from "../../test-support/run-harness.js";
import { FlowError } from "../errors/flow-error.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { computeRetryDelay, DEFAULT_RETRY_POLICY, resolveRetryPolicy, sleep } from "./retry.js";

const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1_000 };

describe("computeRetryDelay", () => {
  it("honours the server's retry-after, capped by maxDelayMs", () => {
    expect(computeRetryDelay(1, policy, 250)).toBe(250);
    expect(computeRetryDelay(1, policy, 0)).toBe(0);
    expect(computeRetryDelay(3, policy, 12.2)).toBe(13);
    expect(computeRetryDelay(1, policy, 60_000)).toBe(1_000);
  });

  it("ignores a retry-after that is not a usable number", () => {
    const half = () => 0.5;
    expect(computeRetryDelay(1, policy, -5, half)).toBe(75);
    expect(computeRetryDelay(1, policy, Number.NaN, half)).toBe(75);
    expect(computeRetryDelay(1, policy, Number.POSITIVE_INFINITY, half)).toBe(75);
  });

  it("doubles the delay with every attempt, between half and all of it (equal jitter)", () => {
    const lowest = () => 0;
    const highest = () => 1;
    expect([1, 2, 3, 4].map((attempt) => computeRetryDelay(attempt, policy, undefined, lowest))).toEqual([
      50, 100, 200, 400,
    ]);
    expect([1, 2, 3, 4].map((attempt) => computeRetryDelay(attempt, policy, undefined, highest))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it("caps the backoff at maxDelayMs", () => {
    expect(computeRetryDelay(10, policy, undefined, () => 1)).toBe(1_000);
    expect(computeRetryDelay(10, policy, undefined, () => 0)).toBe(500);
  });

  it("stays within its bounds for any random value", () => {
    for (let step = 0; step <= 10; step++) {
      const delay = computeRetryDelay(3, policy, undefined, () => step / 10);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});

describe("resolveRetryPolicy", () => {
  it("tries once unless asked to retry", () => {
    expect(resolveRetryPolicy().maxAttempts).toBe(1);
    expect(resolveRetryPolicy(undefined, undefined)).toEqual(DEFAULT_RETRY_POLICY);
  });

  it("lets later policies win field by field", () => {
    expect(
      resolveRetryPolicy({ maxAttempts: 4, initialDelayMs: 10 }, { maxAttempts: 2, maxDelayMs: 20 }),
    ).toEqual({ maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 });
  });
});

describe("sleep", () => {
  it("rejects with the signal's reason when it aborts", async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
    await expect(sleep(1, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });
});

describe("retries in a run", () => {
  const rateLimited = () =>
    new FlowError("test.rate-limited", "slow down", { retryable: true, retryAfterMs: 1 });

  it("retries retryable failures and reports each retry", async () => {
    const harness = createHarness();
    const attempts: number[] = [];
    harness.behaviours.set("flaky", (_input, context) => {
      attempts.push(context.attempt);
      if (context.attempt <= 2) throw rateLimited();
      return "ok";
    });
    const { handle, events } = harness.start({
      nodes: [{ id: "flaky", type: "step", retry: { maxAttempts: 5 } }],
    });
    const result = await handle;
    expect(attempts).toEqual([1, 2, 3]);
    expect(result.nodes.flaky).toMatchObject({ status: "succeeded", attempts: 3, output: "ok" });
    const retries = events.filter((event) => event.name === "node:retry");
    expect(retries).toEqual([
      expect.objectContaining({
        nodeId: "flaky",
        attempt: 1,
        delayMs: 1,
        error: { code: "test.rate-limited", message: "slow down", nodeId: "flaky" },
      }),
      expect.objectContaining({ nodeId: "flaky", attempt: 2, delayMs: 1 }),
    ]);
    expect(events.find((event) => event.name === "node:end")).toMatchObject({ attempts: 3 });
  });

  it("does not retry errors that are not retryable", async () => {
    const harness = createHarness();
    let calls = 0;
    harness.behaviours.set("bad-request", () => {
      calls++;
      throw new FlowError("test.bad-request", "400 bad request", { status: 400 });
    });
    harness.behaviours.set("bug", () => {
      calls++;
      throw new TypeError("undefined is not a function");
    });
    const { handle, events } = harness.start({
      nodes: [
        { id: "bad-request", type: "step", retry: { maxAttempts: 5 }, continueOnError: true },
        { id: "bug", type: "step", retry: { maxAttempts: 5 }, continueOnError: true },
      ],
    });
    const result = await handle;
    expect(calls).toBe(2);
    expect(result.nodes["bad-request"]).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "test.bad-request", status: 400 },
    });
    expect(result.nodes.bug).toMatchObject({ status: "failed", attempts: 1, error: { code: "node.error" } });
    expect(events.filter((event) => event.name === "node:retry")).toEqual([]);
  });

  it("stops at maxAttempts and fails with the last error", async () => {
    const harness = createHarness();
    harness.behaviours.set("always", () => {
      throw rateLimited();
    });
    const { handle, events } = harness.start({
      nodes: [{ id: "always", type: "step", retry: { maxAttempts: 2 } }],
    });
    const result = await handle;
    expect(result.status).toBe("failed");
    expect(result.nodes.always).toMatchObject({
      status: "failed",
      attempts: 2,
      error: { code: "test.rate-limited" },
    });
    expect(events.filter((event) => event.name === "node:retry")).toHaveLength(1);
  });

  it("tries once when neither the node nor its type asks for retries", async () => {
    const harness = createHarness();
    harness.behaviours.set("once", () => {
      throw rateLimited();
    });
    const result = await harness.engine.run({ nodes: [{ id: "once", type: "step" }] });
    expect(result.nodes.once!.attempts).toBe(1);
  });

  it("uses the node type's policy, which the node's own overrides field by field", async () => {
    let calls = 0;
    const retrying = defineNodeType<Record<string, never>, unknown>({
      type: "retrying",
      description: "Always rate limited; its type asks for 3 attempts with tiny delays.",
      input: z.object({}),
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
      run: () => {
        calls++;
        throw new FlowError("test.rate-limited", "slow down", { retryable: true });
      },
    });
    const harness = createHarness({ nodeTypes: [retrying] });
    const byType = await harness.engine.run({ nodes: [{ id: "r", type: "retrying" }] });
    expect(byType.nodes.r!.attempts).toBe(3);
    const byNode = await harness.engine.run({
      nodes: [{ id: "r", type: "retrying", retry: { maxAttempts: 2 } }],
    });
    expect(byNode.nodes.r!.attempts).toBe(2);
    expect(calls).toBe(5);
  });

  it("caps a long retry-after with the node's maxDelayMs", async () => {
    const harness = createHarness();
    harness.behaviours.set("throttled", (_input, context) => {
      if (context.attempt === 1)
        throw new FlowError("test.rate-limited", "wait a minute", { retryable: true, retryAfterMs: 60_000 });
      return "ok";
    });
    const { handle, events } = harness.start({
      nodes: [{ id: "throttled", type: "step", retry: { maxAttempts: 2, maxDelayMs: 1 } }],
    });
    expect((await handle).nodes.throttled!.status).toBe("succeeded");
    expect(events.find((event) => event.name === "node:retry")).toMatchObject({ delayMs: 1 });
  });

  it.each([
    ["the server's retry-after", { retryAfterMs: 10_000 }, { maxAttempts: 2, maxDelayMs: 60_000 }],
    ["its own backoff", {}, { maxAttempts: 2, initialDelayMs: 4_000, maxDelayMs: 60_000 }],
  ])("waits the whole delay it announces (%s) before the next attempt", async (_, hint, retry) => {
    // Fake timers: the wait is observed exactly, without depending on how busy the machine is.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const harness = createHarness();
      const attempts: number[] = [];
      harness.behaviours.set("throttled", (_input, context) => {
        attempts.push(context.attempt);
        if (context.attempt === 1)
          throw new FlowError("test.rate-limited", "slow down", { retryable: true, ...hint });
        return "ok";
      });
      const { handle, events } = harness.start({ nodes: [{ id: "throttled", type: "step", retry }] });
      await vi.advanceTimersByTimeAsync(0);
      const announced = events.find((event) => event.name === "node:retry");
      expect(announced).toBeDefined();
      const delayMs = (announced as { delayMs: number }).delayMs;
      expect(delayMs).toBeGreaterThanOrEqual(2_000);

      await vi.advanceTimersByTimeAsync(delayMs - 1);
      expect(attempts).toEqual([1]);
      await vi.advanceTimersByTimeAsync(1);
      expect(attempts).toEqual([1, 2]);
      expect((await handle).nodes.throttled).toMatchObject({ status: "succeeded", attempts: 2 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("stops waiting between attempts when the run is cancelled", async () => {
    const harness = createHarness();
    harness.behaviours.set("throttled", () => {
      throw new FlowError("test.rate-limited", "wait a minute", { retryable: true, retryAfterMs: 60_000 });
    });
    const { handle } = harness.start({
      nodes: [{ id: "throttled", type: "step", retry: { maxAttempts: 3, maxDelayMs: 60_000 } }],
    });
    handle.once("node:retry", () => handle.cancel("stop"));
    const result = await handle;
    expect(result.status).toBe("cancelled");
    expect(result.nodes.throttled).toMatchObject({ status: "cancelled", attempts: 1 });
  });
});
