import { describe, expect, it } from "vitest";
import { idealMakespanMs } from "./ideal-makespan.js";
import { chain, fanOut, lattice, productFlow } from "./workloads.js";

describe("idealMakespanMs", () => {
  it("is the critical path when concurrency is unlimited", () => {
    expect(idealMakespanMs(chain(100))).toBe(0);
    expect(idealMakespanMs(fanOut(200, 50))).toBe(50);
    expect(idealMakespanMs(productFlow(5))).toBe(5);
  });

  it("is ⌈n/c⌉·d for a fan-out of n equal calls at concurrency c", () => {
    expect(idealMakespanMs(fanOut(200, 50), 16)).toBe(650);
    expect(idealMakespanMs(fanOut(200, 50), 200)).toBe(50);
  });

  it("follows the longest chain of delays through a lattice, not the sum of its slowest layers", () => {
    // Two layers of two: l0_0 (slow) feeds both nodes of layer 1; l1_1 is slow too.
    const workload = lattice(2, 2, 5, 50);
    const slow = workload.nodes.filter((node) => node.delayMs === 50).map((node) => node.id);
    expect(slow).toEqual(["l0_0", "l1_1"]);
    expect(idealMakespanMs(workload)).toBe(100);
    expect(idealMakespanMs(lattice(10, 20, 5, 50))).toBe(275);
  });
});
