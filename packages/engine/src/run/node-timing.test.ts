import { describe, expect, it } from "vitest";
import { setNodeType } from "../../test-support/test-node-types.js";
import { createEngine } from "../engine.js";

/** Keeps the thread busy for `ms`, as a slow listener or node would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("node times", () => {
  const later = { ...setNodeType, type: "later", run: async (input: { value?: unknown }) => input.value };
  const engine = createEngine({ nodeTypes: [setNodeType, later] });
  const flow = {
    nodes: [
      { id: "a", type: "later", inputs: { value: 1 } },
      { id: "b", type: "set", inputs: { value: "${nodes.a.output}" } },
    ],
  };

  it("starts a node after the node:end listeners of the node it waited for", async () => {
    const handle = engine.run(flow);
    handle.on("node:end", (event) => {
      if (event.nodeId === "a") busy(300);
    });
    const result = await handle;
    expect(result.status).toBe("succeeded");
    const a = result.nodes.a!;
    const b = result.nodes.b!;
    // b was released when a ended (a resolved a promise: b starts outside the scheduler's loop),
    // but could only start once the listener had run. Had b's clock started before the listener,
    // b's time would hold its 300 ms; b's own work takes microseconds, which even a loaded machine
    // does not stretch to 100 ms.
    expect(b.startedAt! - a.startedAt!).toBeGreaterThanOrEqual(299);
    expect(b.durationMs!).toBeLessThan(100);
  });

  it("times a node from its start to its end, released by the end of the one before", async () => {
    const slow = createEngine({
      nodeTypes: [
        setNodeType,
        {
          ...setNodeType,
          type: "slow",
          run: (input: { value?: unknown }) => {
            busy(20);
            return input.value;
          },
        },
      ],
    });
    const result = await slow.run({
      nodes: [
        { id: "a", type: "slow", inputs: { value: 1 } },
        { id: "b", type: "slow", inputs: { value: "${nodes.a.output}" } },
      ],
    });
    const a = result.nodes.a!;
    const b = result.nodes.b!;
    expect(a.durationMs!).toBeGreaterThanOrEqual(19);
    expect(b.durationMs!).toBeGreaterThanOrEqual(19);
    expect(b.startedAt! - a.startedAt!).toBeGreaterThanOrEqual(19);
  });
});
