import { setImmediate as nextMacrotask } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  createHarness,
  deferred,
  nextEvent,
  type RecordedEvent,
  timeline,
  waitForAbort,
} from "../../test-support/run-harness.js";
import { countNodeType } from "../../test-support/test-node-types.js";
import { FlowError } from "../errors/flow-error.js";
import { Secret } from "../secrets/secret.js";

const ended = (events: readonly RecordedEvent[], nodeId: string) =>
  events.some((event) => event.name === "node:end" && event.nodeId === nodeId);

describe("scheduling", () => {
  it("starts a node as soon as its own dependencies end, not when a whole wave ends", async () => {
    const harness = createHarness();
    const slow = harness.hold("b");
    const { handle, events } = harness.start({
      nodes: [
        { id: "a", type: "step", inputs: { value: 1 } },
        { id: "b", type: "step" },
        { id: "c", type: "step", inputs: { value: "${nodes.a.output}" } },
        { id: "d", type: "step", inputs: { value: "${nodes.b.output}" } },
      ],
    });

    await nextEvent(handle, "node:end", "c");
    // c ran to its end while b, on the same level of the DAG, is still running.
    expect(ended(events, "b")).toBe(false);
    expect(timeline(events)).not.toContain("node:start:d");

    slow.resolve(2);
    const result = await handle;
    expect(result.status).toBe("succeeded");
    const order = timeline(events);
    expect(order.indexOf("node:end:c")).toBeLessThan(order.indexOf("node:end:b"));
    expect(order.indexOf("node:end:b")).toBeLessThan(order.indexOf("node:start:d"));
    expect(result.nodes.d!.output).toBe(2);
  });

  it("starts a node with several dependencies only when the last one ends", async () => {
    const harness = createHarness();
    const left = harness.hold("left");
    const right = harness.hold("right");
    const { handle, events } = harness.start({
      nodes: [
        { id: "join", type: "step", inputs: { value: "${nodes.left.output}+${nodes.right.output}" } },
        { id: "left", type: "step" },
        { id: "right", type: "step" },
      ],
    });
    left.resolve("L");
    await nextEvent(handle, "node:end", "left");
    expect(timeline(events)).not.toContain("node:start:join");
    right.resolve("R");
    const result = await handle;
    expect(result.outputs).toEqual({});
    expect(result.nodes.join!.output).toBe("L+R");
  });

  it("orders nodes by the variables they read, whatever the list order", async () => {
    const harness = createHarness();
    const { handle, events } = harness.start({
      nodes: [
        { id: "reader", type: "step", inputs: { value: "got ${vars.v}" } },
        { id: "writer", type: "step", inputs: { name: "v", value: 42 } },
      ],
      outputs: { v: "${vars.v}", text: "${nodes.reader.output}" },
    });
    const result = await handle;
    expect(result.outputs).toEqual({ v: 42, text: "got 42" });
    expect(timeline(events).filter((entry) => entry.startsWith("node:"))).toEqual([
      "node:start:writer",
      "node:end:writer",
      "node:start:reader",
      "node:end:reader",
    ]);
  });

  it("hands a node's output to readers with its type intact", async () => {
    const harness = createHarness();
    harness.behaviours.set("source", () => ({ usage: { totalTokens: 15 }, items: ["x", "y"] }));
    const result = await harness.engine.run({
      nodes: [{ id: "source", type: "step" }],
      outputs: {
        tokens: "${nodes.source.output.usage.totalTokens}",
        second: "${nodes.source.output.items.1}",
        whole: "${nodes.source.output.usage}",
        text: "tokens: ${nodes.source.output.usage.totalTokens}",
        missing: "${nodes.source.output.nope}",
      },
    });
    expect(result.outputs).toEqual({
      tokens: 15,
      second: "y",
      whole: { totalTokens: 15 },
      text: "tokens: 15",
      missing: null,
    });
  });

  it("finishes a flow without nodes", async () => {
    const result = await createHarness().engine.run({ nodes: [] });
    expect(result).toMatchObject({ status: "succeeded", nodes: {}, outputs: {} });
  });
});

describe("concurrency", () => {
  /** Runs `count` independent nodes that each stay in flight for a few turns of the event loop. */
  async function maxInFlight(count: number, concurrency?: number): Promise<number> {
    const harness = createHarness();
    let inFlight = 0;
    let max = 0;
    const nodes = Array.from({ length: count }, (_, index) => ({ id: `n${index}`, type: "step" }));
    for (const node of nodes) {
      harness.behaviours.set(node.id, async () => {
        inFlight++;
        max = Math.max(max, inFlight);
        for (let turn = 0; turn < 3; turn++) await nextMacrotask();
        inFlight--;
      });
    }
    const result = await harness.engine.run({ nodes }, concurrency === undefined ? {} : { concurrency });
    expect(result.status).toBe("succeeded");
    return max;
  }

  it("never runs more nodes at once than `concurrency`, and uses all of it", async () => {
    expect(await maxInFlight(8, 3)).toBe(3);
    expect(await maxInFlight(5, 1)).toBe(1);
  });

  it("runs every ready node at once under the default bound", async () => {
    expect(await maxInFlight(8)).toBe(8);
    expect(await maxInFlight(20, Number.POSITIVE_INFINITY)).toBe(20);
  });

  it.each([0, -1, 0.5, Number.NaN])(
    "refuses a concurrency of %s instead of never starting",
    (concurrency) => {
      const flow = { nodes: [{ id: "a", type: "step" }] };
      expect(() => createHarness().engine.run(flow, { concurrency })).toThrow(
        `Expected \`concurrency\` to be a number from 1 and up, got ${concurrency}`,
      );
      expect(() => createHarness({ concurrency })).toThrow(RangeError);
    },
  );

  it("counts only running nodes: a node waiting for dependencies does not take a slot", async () => {
    const harness = createHarness();
    const gate = harness.hold("first");
    const { handle, events } = harness.start(
      {
        nodes: [
          { id: "first", type: "step" },
          { id: "waits", type: "step", inputs: { value: "${nodes.first.output}" } },
          { id: "free", type: "step", inputs: { value: 1 } },
        ],
      },
      { concurrency: 2 },
    );
    await nextEvent(handle, "node:end", "free");
    gate.resolve("done");
    await handle;
    expect(timeline(events).indexOf("node:end:free")).toBeLessThan(
      timeline(events).indexOf("node:end:first"),
    );
  });
});

describe("skipping", () => {
  it("skips a node whose `when` is false, and everything that reads its data", async () => {
    const harness = createHarness();
    const { handle, events } = harness.start({
      inputs: { enabled: { type: "boolean", default: false } },
      nodes: [
        { id: "off", type: "step", when: "${inputs.enabled}", inputs: { name: "v", value: 1 } },
        { id: "reads-output", type: "step", inputs: { value: "${nodes.off.output}" } },
        { id: "reads-variable", type: "step", inputs: { value: "v is ${vars.v}" } },
        { id: "transitively", type: "step", inputs: { value: "${nodes.reads-variable.output}" } },
        { id: "only-after", type: "step", dependsOn: ["off"], inputs: { value: "ran" } },
        { id: "literal-false", type: "step", when: false },
        { id: "text-false", type: "step", when: "false" },
        { id: "on", type: "step", when: true, inputs: { value: "ran" } },
      ],
      outputs: { v: "${vars.v}", after: "${nodes.only-after.output}" },
    });
    const result = await handle;
    const statuses = Object.fromEntries(Object.entries(result.nodes).map(([id, node]) => [id, node.status]));
    expect(statuses).toEqual({
      off: "skipped",
      "reads-output": "skipped",
      "reads-variable": "skipped",
      transitively: "skipped",
      "only-after": "succeeded",
      "literal-false": "skipped",
      "text-false": "skipped",
      on: "succeeded",
    });
    expect(result.status).toBe("succeeded");
    expect(result.outputs).toEqual({ v: null, after: "ran" });
    expect(result.nodes.off).toEqual({
      status: "skipped",
      attempts: 0,
      reason: "its condition (when) was false",
    });
    expect(result.nodes["reads-variable"]!.reason).toBe('"off" was skipped');
    // Skipped nodes never start.
    expect(timeline(events)).not.toContain("node:start:off");
    expect(timeline(events)).not.toContain("node:start:reads-output");
  });

  it("runs a node whose `when` reference is true", async () => {
    const result = await createHarness().engine.run(
      {
        inputs: { enabled: { type: "boolean" } },
        nodes: [{ id: "maybe", type: "step", when: "${inputs.enabled}", inputs: { value: "ran" } }],
      },
      { inputs: { enabled: true } },
    );
    expect(result.nodes.maybe!.status).toBe("succeeded");
  });

  describe.each<[string, unknown, "skipped" | "succeeded"]>([
    ["false", false, "skipped"],
    ["null", null, "skipped"],
    ["0", 0, "skipped"],
    ['""', "", "skipped"],
    ['"false"', "false", "skipped"],
    ['"FALSE"', "FALSE", "skipped"],
    ["true", true, "succeeded"],
    ["1", 1, "succeeded"],
    ["-1", -1, "succeeded"],
    ['"true"', "true", "succeeded"],
    ['"yes"', "yes", "succeeded"],
    ['"0"', "0", "succeeded"],
    ['"no"', "no", "succeeded"],
    ["{}", {}, "succeeded"],
    ["[]", [], "succeeded"],
  ])("`when` is %s", (_, value, expected) => {
    const reasonIfSkipped = expected === "skipped" ? { reason: "its condition (when) was false" } : {};

    it(`through a variable and a node's output: ${expected}, and so are the nodes reading its data`, async () => {
      const { handle, events } = createHarness().start({
        nodes: [
          { id: "flag", type: "step", inputs: { name: "flag", value } },
          { id: "by-variable", type: "step", when: "${vars.flag}", inputs: { value: "ran" } },
          { id: "by-output", type: "step", when: "${nodes.flag.output}", inputs: { value: "ran" } },
          { id: "reader", type: "step", inputs: { value: "${nodes.by-variable.output}" } },
        ],
        outputs: { result: "${nodes.by-output.output}" },
      });
      const result = await handle;
      expect(result.status).toBe("succeeded");
      expect(result.nodes["by-variable"]).toMatchObject({ status: expected, ...reasonIfSkipped });
      expect(result.nodes["by-output"]).toMatchObject({ status: expected, ...reasonIfSkipped });
      expect(result.nodes.reader!.status).toBe(expected);
      expect(result.outputs.result).toBe(expected === "succeeded" ? "ran" : null);
      expect(timeline(events).includes("node:start:by-variable")).toBe(expected === "succeeded");
    });

    if (typeof value === "boolean" || typeof value === "string") {
      it(`written in the flow: ${expected}`, async () => {
        const result = await createHarness().engine.run({
          nodes: [{ id: "literal", type: "step", when: value, inputs: { value: "ran" } }],
        });
        expect(result.nodes.literal).toMatchObject({ status: expected, ...reasonIfSkipped });
      });
    }
  });

  it("falls back to the static connection when the dynamic connection's writer was skipped", async () => {
    const harness = createHarness();
    harness.behaviours.set("make-connection", () => ({
      type: "azure-ai",
      endpoint: "https://customer.services.ai.azure.com/models",
      apiKey: new Secret("customer-key-0001"),
    }));
    const flow = (enabled: boolean) => ({
      nodes: [
        { id: "make-connection", type: "step", when: enabled, inputs: { name: "customerConnection" } },
        {
          id: "answer",
          type: "call",
          connection: "static",
          dynamicConnection: "${vars.customerConnection}",
        },
      ],
    });

    const skipped = await harness.engine.run(flow(false));
    expect(skipped.nodes["make-connection"]!.status).toBe("skipped");
    expect(skipped.nodes.answer).toMatchObject({
      status: "succeeded",
      output: { source: "static", name: "static", type: "openai" },
    });

    const made = await harness.engine.run(flow(true));
    expect(made.nodes.answer).toMatchObject({
      status: "succeeded",
      output: { source: "dynamic", type: "azure-ai" },
    });
  });

  it("fails a node whose dynamic connection resolved to nothing and has no static one, naming both", async () => {
    const harness = createHarness();
    const result = await harness.engine.run({
      nodes: [
        { id: "make-connection", type: "step", when: false, inputs: { name: "conn" } },
        { id: "answer", type: "call", dynamicConnection: "${vars.conn}" },
      ],
    });
    expect(result.status).toBe("failed");
    expect(result.nodes.answer!.error).toMatchObject({ code: "connection.missing", nodeId: "answer" });
    expect(result.nodes.answer!.error!.message).toContain('its writer "make-connection" was skipped');
    expect(result.nodes.answer!.error!.message).toContain('no static "connection"');
  });
});

describe("failures", () => {
  it("keeps the run going past a node with continueOnError, skipping what reads its data", async () => {
    const harness = createHarness();
    harness.behaviours.set("flaky", () => {
      throw new FlowError("test.boom", "it broke");
    });
    const result = await harness.engine.run({
      nodes: [
        { id: "flaky", type: "step", continueOnError: true, inputs: { name: "v" } },
        { id: "reads-output", type: "step", inputs: { value: "${nodes.flaky.output}" } },
        { id: "reads-variable", type: "step", inputs: { value: "${vars.v}" } },
        { id: "only-after", type: "step", dependsOn: ["flaky"], inputs: { value: "ran" } },
        { id: "independent", type: "step", inputs: { value: "ran" } },
      ],
    });
    expect(result.status).toBe("succeeded");
    expect(result.error).toBeUndefined();
    expect(result.nodes.flaky).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "test.boom", message: "it broke", nodeId: "flaky" },
    });
    expect(result.nodes["reads-output"]).toMatchObject({ status: "skipped", reason: '"flaky" failed' });
    expect(result.nodes["reads-variable"]).toMatchObject({ status: "skipped", reason: '"flaky" failed' });
    expect(result.nodes["only-after"]!.status).toBe("succeeded");
    expect(result.nodes.independent!.status).toBe("succeeded");
  });

  it("fails the run when a node fails: running nodes are aborted, the rest never start", async () => {
    const harness = createHarness();
    const seenAbort = deferred<unknown>();
    harness.behaviours.set("slow", (_input, context) => {
      context.signal.addEventListener("abort", () => seenAbort.resolve(context.signal.reason));
      return waitForAbort(context.signal);
    });
    const boom = harness.hold("boom");
    const { handle, events } = harness.start({
      nodes: [
        { id: "slow", type: "step" },
        { id: "boom", type: "step" },
        { id: "after-slow", type: "step", inputs: { value: "${nodes.slow.output}" } },
        { id: "after-boom", type: "step", dependsOn: ["boom"] },
      ],
    });
    await nextEvent(handle, "node:start", "boom");
    boom.reject(new FlowError("test.boom", "it broke"));
    const result = await handle;

    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "test.boom", nodeId: "boom" });
    expect(result.nodes.boom).toMatchObject({ status: "failed", attempts: 1 });
    expect(result.nodes.slow).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(result.nodes.slow!.reason).toContain('node "boom" failed');
    expect(await seenAbort.promise).toMatchObject({ code: "run.aborted" });
    for (const id of ["after-slow", "after-boom"]) {
      expect(result.nodes[id]).toMatchObject({ status: "cancelled", attempts: 0 });
      expect(timeline(events)).not.toContain(`node:start:${id}`);
    }
    expect(timeline(events).at(-1)).toBe("run:end");
  });

  it("ends a node that ignores its aborted signal as cancelled all the same", async () => {
    const harness = createHarness();
    harness.behaviours.set("deaf", () => new Promise(() => {}));
    const boom = harness.hold("boom");
    const { handle } = harness.start({
      nodes: [
        { id: "deaf", type: "step" },
        { id: "boom", type: "step" },
      ],
    });
    await nextEvent(handle, "node:start", "boom");
    boom.reject(new Error("plain error"));
    const result = await handle;
    expect(result.nodes.deaf!.status).toBe("cancelled");
    expect(result.error).toEqual({ code: "node.error", message: "plain error", nodeId: "boom" });
  });

  it("fails a node whose resolved inputs do not match its type's schema", async () => {
    const harness = createHarness({ nodeTypes: [countNodeType] });
    harness.behaviours.set("source", () => "three");
    const result = await harness.engine.run({
      nodes: [
        { id: "source", type: "step" },
        { id: "counter", type: "count", inputs: { count: "${nodes.source.output}" } },
      ],
    });
    expect(result.status).toBe("failed");
    expect(result.nodes.counter!.error).toMatchObject({ code: "node.input", nodeId: "counter" });
    expect(result.nodes.counter!.error!.message).toContain("inputs.count");
  });

  it("fails a node when its output does not match the type's output schema", async () => {
    const { z } = await import("zod");
    const { defineNodeType } = await import("../node-type/define-node-type.js");
    const strict = defineNodeType({
      type: "strict-output",
      description: "Promises a string and returns a number.",
      input: z.object({}),
      output: z.string(),
      run: () => 42 as unknown as string,
    });
    const result = await createHarness({ nodeTypes: [strict] }).engine.run({
      nodes: [{ id: "liar", type: "strict-output" }],
    });
    expect(result.nodes.liar!.error).toMatchObject({ code: "node.output", nodeId: "liar" });
  });
});

describe("cancellation", () => {
  it("cancels the run when the caller's signal aborts: running nodes see it, others never start", async () => {
    const harness = createHarness();
    const controller = new AbortController();
    const seenAbort = deferred<boolean>();
    harness.behaviours.set("running", (_input, context) => {
      context.signal.addEventListener("abort", () => seenAbort.resolve(true));
      return waitForAbort(context.signal);
    });
    const { handle, events } = harness.start(
      {
        nodes: [
          { id: "running", type: "step" },
          { id: "waiting", type: "step", inputs: { value: "${nodes.running.output}" } },
        ],
      },
      { signal: controller.signal },
    );
    await nextEvent(handle, "node:start", "running");
    controller.abort();
    const result = await handle;
    expect(await seenAbort.promise).toBe(true);
    expect(result.status).toBe("cancelled");
    expect(result.error).toMatchObject({ code: "run.cancelled" });
    expect(result.nodes.running).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(result.nodes.waiting).toMatchObject({ status: "cancelled", attempts: 0 });
    expect(timeline(events)).not.toContain("node:start:waiting");
  });

  it("cancels through the handle, with the reason given", async () => {
    const harness = createHarness();
    harness.behaviours.set("running", (_input, context) => waitForAbort(context.signal));
    const { handle } = harness.start({ nodes: [{ id: "running", type: "step" }] });
    await nextEvent(handle, "node:start", "running");
    handle.cancel("the user gave up");
    const result = await handle;
    expect(result.status).toBe("cancelled");
    expect(result.error).toEqual({ code: "run.cancelled", message: "the user gave up" });
  });

  it("starts nothing when the signal is already aborted", async () => {
    const harness = createHarness();
    const { handle, events } = harness.start(
      {
        nodes: [
          { id: "a", type: "step" },
          { id: "b", type: "step", dependsOn: ["a"] },
        ],
      },
      { signal: AbortSignal.abort() },
    );
    const result = await handle;
    expect(result.status).toBe("cancelled");
    expect(Object.values(result.nodes).map((node) => node.status)).toEqual(["cancelled", "cancelled"]);
    expect(timeline(events).filter((entry) => entry.startsWith("node:start"))).toEqual([]);
  });
});

describe("timeouts", () => {
  it("fails a node that runs past its timeoutMs with node.timeout", async () => {
    const harness = createHarness();
    const seenAbort = deferred<unknown>();
    harness.behaviours.set("stuck", (_input, context) => {
      context.signal.addEventListener("abort", () => seenAbort.resolve(context.signal.reason));
      return waitForAbort(context.signal);
    });
    const result = await harness.engine.run({
      nodes: [{ id: "stuck", type: "step", timeoutMs: 5 }],
    });
    expect(result.status).toBe("failed");
    expect(result.nodes.stuck!.status).toBe("failed");
    expect(result.nodes.stuck!.error).toEqual({
      code: "node.timeout",
      message: 'node "stuck" timed out after 5 ms (timeoutMs)',
      nodeId: "stuck",
    });
    expect(await seenAbort.promise).toBeInstanceOf(FlowError);
  });

  it("times out a node that ignores its signal too", async () => {
    const harness = createHarness();
    harness.behaviours.set("deaf", () => new Promise(() => {}));
    const result = await harness.engine.run({
      nodes: [{ id: "deaf", type: "step", timeoutMs: 5, continueOnError: true }],
    });
    expect(result.status).toBe("succeeded");
    expect(result.nodes.deaf!.error!.code).toBe("node.timeout");
  });

  it("does not fire for a node that ends in time", async () => {
    const result = await createHarness().engine.run({
      nodes: [{ id: "quick", type: "step", timeoutMs: 60_000, inputs: { value: 1 } }],
    });
    expect(result.nodes.quick).toMatchObject({ status: "succeeded", output: 1 });
  });
});
