import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine } from "../engine.js";
import { defineNodeType } from "../node-type/define-node-type.js";

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

afterEach(() => {
  process.off("warning", onWarning);
  warnings.length = 0;
});

describe("the run's signal", () => {
  it("takes a listener from each of many running nodes without Node warning of a leak", async () => {
    process.on("warning", onWarning);
    const listening = defineNodeType({
      type: "listening",
      description: "Listens to its signal while it waits, as a service call does.",
      input: z.object({}),
      async run(_input, context) {
        context.signal.addEventListener("abort", () => {});
        await new Promise((resolve) => setTimeout(resolve, 5));
        return null;
      },
    });
    const engine = createEngine({ nodeTypes: [listening] });
    const nodes = Array.from({ length: 30 }, (_, index) => ({ id: `n${index}`, type: "listening" }));
    const result = await engine.run({ nodes }, { concurrency: 30 });
    expect(result.status).toBe("succeeded");
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});

describe("a signal already aborted", () => {
  it("ends a flow without nodes at once, cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await createEngine({ nodeTypes: [] }).run({ nodes: [] }, { signal: controller.signal });
    expect(result.status).toBe("cancelled");
    expect(result.error?.code).toBe("run.cancelled");
  });
});
