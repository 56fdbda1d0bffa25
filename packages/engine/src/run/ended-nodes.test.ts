import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine } from "../engine.js";
import { defineNodeType, type NodeContext } from "../node-type/define-node-type.js";
import { RUN_EVENT_NAMES } from "./events.js";

/** A node that ignores its signal and keeps talking after it has ended. */
function stubbornNode(calls: Array<() => void>) {
  return defineNodeType({
    type: "stubborn",
    description: "Ignores its signal.",
    input: z.object({}),
    run: (_input, context: NodeContext) =>
      new Promise((resolve) => {
        calls.push(() => {
          context.emit("late token");
          context.log.info("late log");
          context.reportUsage({ promptTokens: 5, completionTokens: 5, totalTokens: 10 });
          resolve("late");
        });
      }),
  });
}

const bigNumber = defineNodeType({
  type: "big",
  description: "Returns values JSON cannot write.",
  input: z.object({}),
  run: () => {
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    return { n: 10n, circular };
  },
});

describe("a node that has ended", () => {
  it("cannot emit tokens, logs or usage after its node:end", async () => {
    const calls: Array<() => void> = [];
    const engine = createEngine({ nodeTypes: [stubbornNode(calls)] });
    const handle = engine.run({ nodes: [{ id: "slow", type: "stubborn", timeoutMs: 20 }] });
    const events: string[] = [];
    for (const name of RUN_EVENT_NAMES) handle.on(name, () => events.push(name));
    const result = await handle;
    for (const call of calls) call();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(result.nodes.slow).toMatchObject({ status: "failed", error: { code: "node.timeout" } });
    expect(result.usage.totalTokens).toBe(0);
    expect(events).toEqual(["run:start", "node:start", "node:end", "run:end"]);
  });

  it("does not keep its timeout timer (nor the run its deadline) once the run is cancelled", async () => {
    const calls: Array<() => void> = [];
    const engine = createEngine({ nodeTypes: [stubbornNode(calls)] });
    const handle = engine.run({ nodes: [{ id: "slow", type: "stubborn", timeoutMs: 60_000 }] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    handle.cancel("stop");
    const result = await handle;
    expect(result.status).toBe("cancelled");
    const after = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    // The node's timeoutMs and the run's deadline (runTimeoutMs).
    expect(after).toBe(before - 2);
  });
});

describe("values JSON cannot write", () => {
  it("still interpolate, so the run ends instead of hanging", async () => {
    const engine = createEngine({ nodeTypes: [bigNumber] });
    const result = await engine.run({
      nodes: [{ id: "b", type: "big" }],
      outputs: { n: "n=${nodes.b.output.n}", loop: "loop=${nodes.b.output.circular}" },
    });
    expect(result.status).toBe("succeeded");
    expect(result.outputs).toEqual({ n: "n=10", loop: "loop=[object Object]" });
  });
});
