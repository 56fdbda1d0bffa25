import { describe, expect, it } from "vitest";
import { waitUntil } from "../test-support/offline-engine.js";

describe("waitUntil", () => {
  it("resolves once the condition holds", async () => {
    let polls = 0;
    await waitUntil(() => ++polls === 3);
    expect(polls).toBe(3);
  });

  it("gives up after its own timeout, saying what it waited for", async () => {
    await expect(
      waitUntil(() => false, { timeoutMs: 50, what: "a request that never comes" }),
    ).rejects.toThrow("waited 50 ms for a request that never comes, in vain");
  });
});
