import { emptyRunUsage, type RunUsage } from "@weft/engine";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../io.js";
import { formatCost, formatUsage, formatUsageByConnection } from "./usage-lines.js";

const io = { isTty: false, env: {} } as unknown as CliIo;

describe("usage in the run summary", () => {
  it("says what the service did not report, and what had no price, instead of a zero", () => {
    expect(formatUsage(emptyRunUsage())).toBe("");
    const none = { ...emptyRunUsage(), requests: 1, unreportedRequests: 1, reported: false };
    expect(formatUsage({ ...none, promptTokens: null, completionTokens: null, totalTokens: null })).toBe(
      "tokens not reported by the service",
    );
    const some: RunUsage = {
      requests: 3,
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
      reported: false,
      unreportedRequests: 1,
      cost: 0.0000123456789,
      currency: "USD",
      unpricedRequests: 1,
      byConnection: {},
    };
    expect(formatUsage(some)).toBe(
      "15 tokens · 1 of 3 calls not reported by the service · 0.0000123457 USD (1 call without a price)",
    );
    expect(formatUsage({ ...some, cost: null })).toContain("cost unknown (no price)");
  });

  it("lists each connection identity", () => {
    const usage = emptyRunUsage();
    usage.byConnection.acme = {
      requests: 2,
      promptTokens: 3,
      completionTokens: 4,
      totalTokens: 7,
      reported: true,
      unreportedRequests: 0,
    };
    expect(formatUsageByConnection(usage, io)).toBe("  · acme: 2 calls · 7 tokens\n");
  });

  it("shows costs with the digits that matter", () => {
    expect(formatCost(0)).toBe("0");
    expect(formatCost(12.345)).toBe("12.35");
    expect(formatCost(0.00002865)).toBe("0.00002865");
  });
});
