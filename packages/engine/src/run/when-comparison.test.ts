import { describe, expect, it } from "vitest";
import { createHarness } from "../../test-support/run-harness.js";
import type { FlowDefinition } from "../flow/schema.js";

/** Content safety's shape: a node suggests an action; the chat runs only on Accept. */
const moderatedChat: FlowDefinition = {
  inputs: { text: { type: "string" } },
  nodes: [
    { id: "moderate", type: "step" },
    {
      id: "chat",
      type: "step",
      when: { value: "${nodes.moderate.output.suggestedAction}", is: "Accept" },
      inputs: { value: "answer to ${inputs.text}" },
    },
    { id: "reply", type: "step", inputs: { value: "${nodes.chat.output}" } },
    {
      id: "refusal",
      type: "step",
      when: { value: "${nodes.moderate.output.suggestedAction}", not: "Accept" },
      inputs: { value: "Sorry, I cannot help with that." },
    },
  ],
  outputs: { reply: "${nodes.reply.output}", refusal: "${nodes.refusal.output}" },
};

function moderatedRun(suggestedAction: string) {
  const harness = createHarness();
  harness.behaviours.set("moderate", () => ({ suggestedAction }));
  return harness.start(moderatedChat, { inputs: { text: "hello" } });
}

describe("a when comparison in a run", () => {
  it("runs the node when the comparison holds", async () => {
    const result = await moderatedRun("Accept").handle;
    expect(result.status).toBe("succeeded");
    expect(result.nodes.chat!.status).toBe("succeeded");
    expect(result.nodes.refusal).toEqual({
      status: "skipped",
      attempts: 0,
      reason: 'when ${nodes.moderate.output.suggestedAction} is not "Accept" (was "Accept")',
    });
    expect(result.outputs).toEqual({ reply: "answer to hello", refusal: null });
  });

  it("skips it otherwise, and says why in the result and the events; what reads it is skipped too", async () => {
    const { handle, events } = moderatedRun("Reject");
    const result = await handle;
    expect(result.status).toBe("succeeded");
    const why = 'when ${nodes.moderate.output.suggestedAction} is "Accept" (was "Reject")';
    expect(result.nodes.chat).toEqual({ status: "skipped", attempts: 0, reason: why });
    expect(result.nodes.reply).toEqual({ status: "skipped", attempts: 0, reason: '"chat" was skipped' });
    expect(result.nodes.refusal!.status).toBe("succeeded");
    expect(result.outputs).toEqual({ reply: null, refusal: "Sorry, I cannot help with that." });
    const ends = events.flatMap((event) =>
      event.name === "node:end" ? [[event.nodeId, event.status, event.reason]] : [],
    );
    expect(ends).toContainEqual(["chat", "skipped", why]);
    expect(events.some((event) => event.name === "node:start" && event.nodeId === "chat")).toBe(false);
  });

  it("skips the node when the node its value reads was skipped, as with any data it reads", async () => {
    const harness = createHarness();
    const result = await harness.engine.run({
      nodes: [
        { id: "moderate", type: "step", when: false },
        { id: "chat", type: "step", when: { value: "${nodes.moderate.output}", in: ["Accept", null] } },
      ],
    });
    expect(result.nodes.chat!.reason).toBe('"moderate" was skipped');
  });

  it("never lets a secret out through the reason: Secret values are masked, known secret text scrubbed", async () => {
    const canary = "sk-CANARY-when-7731";
    const harness = createHarness();
    // The key comes back as plain text from a node: the run scrubs it as a known secret.
    harness.behaviours.set("leaky", (input) => (input.value as { reveal(): string }).reveal());
    const { handle, events } = harness.start(
      {
        inputs: { key: { type: "secret" } },
        nodes: [
          { id: "gate", type: "step", when: { value: "${inputs.key}", is: "other" } },
          { id: "exact", type: "step", when: { value: "${inputs.key}", not: canary } },
          { id: "leaky", type: "step", inputs: { value: "${inputs.key}" } },
          { id: "echoed", type: "step", when: { value: "${nodes.leaky.output}", in: ["a", "b"] } },
        ],
      },
      { inputs: { key: canary } },
    );
    const result = await handle;
    expect(result.nodes.gate!.reason).toBe("when ${inputs.key} is *** (was ***: a secret is not shown)");
    expect(result.nodes.exact!.reason).toBe("when ${inputs.key} is not *** (was ***: a secret is not shown)");
    expect(result.nodes.echoed!.status).toBe("skipped");
    expect(result.nodes.echoed!.reason).toBe('when ${nodes.leaky.output} is one of ["a", "b"] (was "***")');
    expect(JSON.stringify(result)).not.toContain("CANARY");
    expect(JSON.stringify(events)).not.toContain("CANARY");
  });
});

describe("a long secret compared in a when", () => {
  it("is scrubbed whole before the value is cut short: no prefix of it shows", async () => {
    const key = `sk-LONG-CANARY-${"k".repeat(100)}-end`;
    const harness = createHarness();
    harness.behaviours.set("leaky", (input) => `${(input.value as { reveal(): string }).reveal()} and more`);
    const { handle, events } = harness.start(
      {
        inputs: { key: { type: "secret" } },
        nodes: [
          { id: "leaky", type: "step", inputs: { value: "${inputs.key}" } },
          { id: "gate", type: "step", when: { value: "${nodes.leaky.output}", is: "x" } },
        ],
      },
      { inputs: { key } },
    );
    const result = await handle;
    expect(result.nodes.gate!.reason).toBe('when ${nodes.leaky.output} is "x" (was "*** and more")');
    expect(JSON.stringify(events)).not.toContain("LONG-CANARY");
  });
});
