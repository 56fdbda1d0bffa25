import { describe, expect, it } from "vitest";
import { createHarness } from "../../test-support/run-harness.js";

describe("RunOptions.stream", () => {
  /** A node that streams its value when the run asks for streaming, and says what it was asked. */
  function streamingHarness() {
    const harness = createHarness();
    harness.behaviours.set("talk", (input, context) => {
      if (context.stream) for (const word of String(input.value).split(" ")) context.emit(`${word} `);
      return { asked: context.stream };
    });
    return harness;
  }
  const flow = { nodes: [{ id: "talk", type: "step", inputs: { value: "one two three" } }] };

  it("is off by default: nodes are not asked to stream", async () => {
    const { handle, events } = streamingHarness().start(flow);
    const result = await handle;
    expect(result.nodes.talk?.output).toEqual({ asked: false });
    expect(events.filter((event) => event.name === "node:token")).toEqual([]);
  });

  it("asks every node that can stream to stream, so node:token fires", async () => {
    const { handle, events } = streamingHarness().start(flow, { stream: true });
    const result = await handle;
    expect(result.nodes.talk?.output).toEqual({ asked: true });
    const tokens = events.flatMap((event) => (event.name === "node:token" ? [event.token] : []));
    expect(tokens.join("")).toBe("one two three ");
  });
});
