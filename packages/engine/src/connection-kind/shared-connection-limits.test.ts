import { describe, expect, it } from "vitest";
import { testConnectionKinds } from "../../test-support/test-connection-kinds.js";
import { FlowError } from "../errors/flow-error.js";
import { ConnectionKinds } from "./connection-kinds.js";
import { ConnectionLimiter } from "./connection-limiter.js";
import type { SharedConnectionLimits, SharedLimits } from "./shared-connection-limits.js";

const kinds = new ConnectionKinds(testConnectionKinds);
const KEY = "sk-CANARY-5b1e0c77-shared";
const connection = (limits: Record<string, number> = {}) =>
  kinds.parse(
    { type: "azure-ai", endpoint: "https://customer.example.com/models", apiKey: KEY, ...limits },
    { wrapSecrets: true },
  );

/** Shared limits in memory that record what the limiter asks of them. */
function recordingLimits(gate?: Promise<void>) {
  const calls: Array<{ identity: string; limits: SharedLimits }> = [];
  const throttles: Array<[string, number]> = [];
  let held = 0;
  const shared: SharedConnectionLimits = {
    async acquire(identity, limits, signal) {
      calls.push({ identity, limits });
      if (gate) {
        await new Promise<void>((resolve, reject) => {
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
          gate.then(resolve);
        });
      }
      held += 1;
      let released = false;
      return () => {
        if (!released) held -= 1;
        released = true;
      };
    },
    throttled(identity, backoffMs) {
      throttles.push([identity, backoffMs]);
    },
  };
  return { shared, calls, throttles, held: () => held };
}

describe("ConnectionLimiter with shared limits", () => {
  it("asks the shared limits by identity hash for a limited connection, and hands the slot back", async () => {
    const { shared, calls, held } = recordingLimits();
    const limiter = new ConnectionLimiter(kinds, { shared, windowMs: 5_000 });
    const limited = connection({ maxConcurrency: 2, requestsPerMinute: 30 });
    expect(await limiter.run(limited, async () => "answer")).toBe("answer");
    await expect(
      limiter.run(limited, async () => {
        throw new FlowError("llm.server", "boom", { status: 500, retryable: true });
      }),
    ).rejects.toThrow("boom");
    expect(calls).toEqual([
      {
        identity: kinds.identityKey(limited),
        limits: { maxConcurrency: 2, requestsPerMinute: 30, windowMs: 5_000 },
      },
      expect.anything(),
    ]);
    expect(JSON.stringify(calls)).not.toContain("CANARY");
    expect(held()).toBe(0);
  });

  it("never asks them for a connection without limits, even while another backs off", async () => {
    const { shared, calls } = recordingLimits();
    const limiter = new ConnectionLimiter(kinds, { shared });
    const plain = connection();
    expect(limiter.isLimited(plain)).toBe(false);
    const throttled = new FlowError("llm.rate-limited", "slow down", {
      status: 429,
      retryable: true,
      retryAfterMs: 1,
    });
    await expect(limiter.watch(plain, Promise.reject(throttled))).rejects.toBe(throttled);
    // Something backs off now, so the plain connection goes through `run`: still no shared call.
    expect(limiter.isLimited(plain)).toBe(true);
    expect(await limiter.run(connection({ tokensPerMinute: 1000 }), async () => 1)).toBe(1);
    expect(await limiter.run(plain, async () => 2)).toBe(2);
    expect(calls).toEqual([]);
  });

  it("tells the shared limits of a 429, cut to the node's longest retry delay", async () => {
    const { shared, throttles } = recordingLimits();
    const limiter = new ConnectionLimiter(kinds, { shared });
    const limited = connection({ requestsPerMinute: 100 });
    const throttled = new FlowError("llm.rate-limited", "slow down", {
      status: 429,
      retryable: true,
      retryAfterMs: 5_000,
    });
    await expect(
      limiter.run(
        limited,
        async () => {
          throw throttled;
        },
        { backoffLimit: { maxBackoffMs: 250 } },
      ),
    ).rejects.toBe(throttled);
    expect(throttles).toEqual([[kinds.identityKey(limited), 250]]);
  });

  it("stops waiting for a shared slot when the request aborts, and never runs the task", async () => {
    const { shared, held } = recordingLimits(new Promise(() => {}));
    const limiter = new ConnectionLimiter(kinds, { shared });
    const abort = new AbortController();
    let ran = false;
    const pending = limiter.run(
      connection({ maxConcurrency: 1 }),
      async () => {
        ran = true;
      },
      { signal: abort.signal },
    );
    abort.abort(new Error("cancelled by the test"));
    await expect(pending).rejects.toThrow("cancelled by the test");
    expect(ran).toBe(false);
    expect(held()).toBe(0);
    expect(limiter.activeConnections).toBe(0);
  });
});
