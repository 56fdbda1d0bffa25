import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createHarness, STATIC_KEY } from "../../test-support/run-harness.js";
import { FlowError } from "../errors/flow-error.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { SECRET_MASK, Secret } from "../secrets/secret.js";
import { RUN_EVENT_NAMES } from "./events.js";

describe("events", () => {
  it("go from run:start to run:end, each with the runId and a numeric timestamp", async () => {
    const harness = createHarness();
    harness.behaviours.set("talker", (_input, context) => {
      context.emit("Hel");
      context.emit("lo");
      context.log.info("said hello");
      return "Hello";
    });
    const { handle, events } = harness.start(
      {
        name: "events",
        nodes: [
          { id: "talker", type: "step" },
          { id: "echo", type: "step", inputs: { value: "${nodes.talker.output}" } },
        ],
      },
      { runId: "run-1" },
    );
    const result = await handle;

    expect(handle.runId).toBe("run-1");
    expect(events.map((event) => event.name)).toEqual([
      "run:start",
      "node:start",
      "node:token",
      "node:token",
      "node:log",
      "node:end",
      "node:start",
      "node:end",
      "run:end",
    ]);
    for (const event of events) {
      expect(event.runId).toBe("run-1");
      expect(typeof event.timestamp).toBe("number");
      expect(Number.isFinite(event.timestamp)).toBe(true);
    }
    expect(events[0]).toMatchObject({ name: "run:start", flowName: "events", nodeCount: 2 });
    expect(events.filter((event) => event.name === "node:token").map((event) => event.token)).toEqual([
      "Hel",
      "lo",
    ]);
    expect(events[4]).toMatchObject({
      name: "node:log",
      nodeId: "talker",
      level: "info",
      message: "said hello",
    });
    expect(events[5]).toMatchObject({
      name: "node:end",
      nodeId: "talker",
      nodeType: "step",
      status: "succeeded",
      attempts: 1,
      output: "Hello",
      durationMs: expect.any(Number),
    });
    const end = events.at(-1)!;
    expect(end).toMatchObject({ name: "run:end", status: "succeeded", durationMs: result.durationMs });
    expect(end.name === "run:end" && end.result).toEqual(result);
  });

  it("names every event type the engine can emit", () => {
    expect([...RUN_EVENT_NAMES].sort()).toEqual(
      ["node:end", "node:log", "node:retry", "node:start", "node:token", "run:end", "run:start"].sort(),
    );
  });

  it("reports skipped and cancelled nodes with a reason", async () => {
    const harness = createHarness();
    const { handle, events } = harness.start({
      nodes: [
        { id: "off", type: "step", when: false },
        { id: "boom", type: "step", dependsOn: ["off"] },
        { id: "never", type: "step", dependsOn: ["boom"] },
      ],
    });
    harness.behaviours.set("boom", () => {
      throw new FlowError("test.boom", "it broke");
    });
    await handle;
    const ends = events.filter((event) => event.name === "node:end");
    expect(ends.map((event) => [event.nodeId, event.status, event.reason ?? event.error?.code])).toEqual([
      ["off", "skipped", "its condition (when) was false"],
      ["boom", "failed", "test.boom"],
      ["never", "cancelled", 'node "boom" failed'],
    ]);
  });
});

describe("cancel", () => {
  it("before the run has started: run:start still comes first, and the caller's signal keeps no listener", async () => {
    const harness = createHarness();
    const shared = new AbortController();
    let added = 0;
    let removed = 0;
    const { addEventListener, removeEventListener } = shared.signal;
    shared.signal.addEventListener = (...args: Parameters<AbortSignal["addEventListener"]>) => {
      added++;
      addEventListener.apply(shared.signal, args);
    };
    shared.signal.removeEventListener = (...args: Parameters<AbortSignal["removeEventListener"]>) => {
      removed++;
      removeEventListener.apply(shared.signal, args);
    };
    const { handle, events } = harness.start(
      { nodes: [{ id: "a", type: "step" }] },
      { signal: shared.signal },
    );
    handle.cancel("stopped early");
    const result = await handle;

    expect(events.map((event) => event.name)).toEqual(["run:start", "node:end", "run:end"]);
    expect(result).toMatchObject({
      status: "cancelled",
      error: { code: "run.cancelled", message: "stopped early" },
      nodes: { a: { status: "cancelled", attempts: 0 } },
    });
    expect(result.startedAt).toBeGreaterThan(0);
    expect(added - removed).toBe(0);
  });
});

describe("RunResult", () => {
  it("holds the status, outputs, each node's outcome and token usage", async () => {
    const harness = createHarness();
    harness.behaviours.set("model", (_input, context) => {
      context.reportUsage({ promptTokens: 10, completionTokens: 5, totalTokens: 15 });
      context.reportUsage({ promptTokens: 1, completionTokens: 1, totalTokens: 2 });
      return { content: "Hi" };
    });
    const result = await harness.engine.run(
      {
        nodes: [
          { id: "model", type: "step" },
          { id: "off", type: "step", when: false },
        ],
        outputs: { answer: "${nodes.model.output.content}", skipped: "${nodes.off.output}" },
      },
      { runId: "run-2" },
    );
    expect(result).toEqual({
      runId: "run-2",
      status: "succeeded",
      outputs: { answer: "Hi", skipped: null },
      nodes: {
        model: {
          status: "succeeded",
          output: { content: "Hi" },
          attempts: 1,
          startedAt: expect.any(Number),
          durationMs: expect.any(Number),
          usage: {
            requests: 2,
            promptTokens: 11,
            completionTokens: 6,
            totalTokens: 17,
            reported: true,
            unreportedRequests: 0,
          },
        },
        off: { status: "skipped", attempts: 0, reason: "its condition (when) was false" },
      },
      usage: {
        ...{
          requests: 2,
          promptTokens: 11,
          completionTokens: 6,
          totalTokens: 17,
          reported: true,
          unreportedRequests: 0,
        },
        byConnection: {},
      },
      startedAt: expect.any(Number),
      durationMs: expect.any(Number),
    });
    // Plain data: it survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("adds usage per connection, by name for static ones and by the kind's label for dynamic ones", async () => {
    const useConnection = defineNodeType({
      type: "use-connection",
      description: "Reports usage through its connection.",
      input: z.object({ tokens: z.number() }),
      usesConnection: true,
      async run(input, context) {
        const service = await context.connection();
        service.reportUsage({
          promptTokens: input.tokens,
          completionTokens: 1,
          totalTokens: input.tokens + 1,
        });
        return service.label;
      },
    });
    const harness = createHarness({ nodeTypes: [useConnection] });
    harness.behaviours.set("customer", () => ({
      type: "azure-ai",
      endpoint: "https://customer.services.ai.azure.com/models",
      apiKey: new Secret("unused-key"),
    }));
    const result = await harness.engine.run({
      nodes: [
        { id: "shared", type: "use-connection", connection: "static", inputs: { tokens: 3 } },
        { id: "customer", type: "step", inputs: { name: "customerConnection" } },
        {
          id: "own",
          type: "use-connection",
          connection: "static",
          dynamicConnection: "${vars.customerConnection}",
          inputs: { tokens: 1 },
        },
      ],
    });
    // A dynamic connection without a name: its host and a fingerprint of its key, never the key.
    const labels = Object.keys(result.usage.byConnection).sort();
    expect(labels).toEqual([
      expect.stringMatching(/^customer\.services\.ai\.azure\.com#key-[0-9a-f]{8}$/),
      "static",
    ]);
    expect(result.usage.byConnection.static).toEqual({
      requests: 1,
      promptTokens: 3,
      completionTokens: 1,
      totalTokens: 4,
      reported: true,
      unreportedRequests: 0,
    });
    expect(result.usage.byConnection[labels[0]!]).toEqual({
      requests: 1,
      promptTokens: 1,
      completionTokens: 1,
      totalTokens: 2,
      reported: true,
      unreportedRequests: 0,
    });
    expect(JSON.stringify(result)).not.toContain("unused-key");
    expect(result.nodes.own!.output).toBe("customer.services.ai.azure.com");
    expect(result.usage).toMatchObject({ promptTokens: 4, completionTokens: 2, totalTokens: 6 });
  });

  it("is also what awaiting the handle and its result promise give", async () => {
    const handle = createHarness().engine.run({ nodes: [{ id: "a", type: "step", inputs: { value: 1 } }] });
    expect(await handle).toBe(await handle.result);
  });
});

describe("secrets in a run", () => {
  const CANARY = "test-key-CANARY-123";

  it("never lets a secret input out: not in events, outputs, errors, logs or the result", async () => {
    const harness = createHarness();
    const received: Record<string, unknown> = {};
    harness.behaviours.set("use-key", (input) => {
      received.exact = input.value;
      const key = input.value as Secret;
      // A careless node: returns, logs and streams the key in clear, and throws with it.
      return { clear: key.reveal(), wrapped: key, nested: [{ header: `x-api-key: ${key.reveal()}` }] };
    });
    harness.behaviours.set("interpolate", (input) => {
      received.interpolated = input.value;
      return input.value;
    });
    harness.behaviours.set("chatty", (input, context) => {
      const key = (input.value as Secret).reveal();
      context.log.warn(`using key ${key}`);
      context.emit(`token ${key}`);
      if (context.attempt === 1)
        throw new FlowError("test.retry", `429 for ${key}`, { retryable: true, retryAfterMs: 0 });
      throw new Error(`request with ${key} failed`);
    });
    const { handle, events } = harness.start(
      {
        inputs: { apiKey: { type: "secret" } },
        nodes: [
          { id: "use-key", type: "step", inputs: { value: "${inputs.apiKey}" } },
          { id: "interpolate", type: "step", inputs: { value: "Bearer ${inputs.apiKey}" } },
          {
            id: "chatty",
            type: "step",
            continueOnError: true,
            retry: { maxAttempts: 2 },
            inputs: { value: "${inputs.apiKey}" },
          },
        ],
        outputs: {
          key: "${inputs.apiKey}",
          header: "${nodes.interpolate.output}",
          clear: "${nodes.use-key.output.clear}",
          text: "key=${inputs.apiKey}",
        },
      },
      { inputs: { apiKey: CANARY } },
    );
    const result = await handle;

    // Nodes get the real value, wrapped.
    expect(received.exact).toBeInstanceOf(Secret);
    expect((received.exact as Secret).reveal()).toBe(CANARY);
    expect(received.interpolated).toBeInstanceOf(Secret);
    expect((received.interpolated as Secret).reveal()).toBe(`Bearer ${CANARY}`);

    // Everything that leaves the run is masked.
    expect(result.outputs).toEqual({
      key: SECRET_MASK,
      header: SECRET_MASK,
      clear: SECRET_MASK,
      text: SECRET_MASK,
    });
    expect(result.nodes["use-key"]!.output).toEqual({
      clear: SECRET_MASK,
      wrapped: SECRET_MASK,
      nested: [{ header: `x-api-key: ${SECRET_MASK}` }],
    });
    expect(result.nodes.chatty!.error!.message).toBe(`request with ${SECRET_MASK} failed`);
    expect(events.find((event) => event.name === "node:retry")).toMatchObject({
      error: { message: `429 for ${SECRET_MASK}` },
    });
    expect(events.find((event) => event.name === "node:log")).toMatchObject({
      message: `using key ${SECRET_MASK}`,
    });
    expect(events.find((event) => event.name === "node:token")).toMatchObject({
      token: `token ${SECRET_MASK}`,
    });

    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(inspect(result, { depth: null })).not.toContain(CANARY);
    expect(events.length).toBeGreaterThan(8);
    for (const event of events) {
      expect(JSON.stringify(event)).not.toContain(CANARY);
      expect(inspect(event, { depth: null })).not.toContain(CANARY);
    }
  });

  it("scrubs a static connection's key once a node has resolved it", async () => {
    const harness = createHarness();
    const { handle, events } = harness.start({
      nodes: [
        { id: "answer", type: "call", connection: "static" },
        { id: "leak", type: "step", dependsOn: ["answer"] },
      ],
    });
    harness.behaviours.set("leak", () => {
      throw new Error(`sent ${STATIC_KEY}`);
    });
    const result = await handle;
    expect(result.nodes.leak!.error!.message).toBe(`sent ${SECRET_MASK}`);
    expect(JSON.stringify(result)).not.toContain(STATIC_KEY);
    for (const event of events) expect(JSON.stringify(event)).not.toContain(STATIC_KEY);
  });

  it("scrubs secrets a node declares with context.secret", async () => {
    const harness = createHarness();
    harness.behaviours.set("fetch-key", (_input, context) => {
      const key = context.secret("vault-key-CANARY-456");
      return { note: `fetched ${key.reveal()}` };
    });
    const result = await harness.engine.run({ nodes: [{ id: "fetch-key", type: "step" }] });
    expect(result.nodes["fetch-key"]!.output).toEqual({ note: `fetched ${SECRET_MASK}` });
  });
});
