import { describe, expect, it } from "vitest";
import { createHarness, recordEvents } from "../../test-support/run-harness.js";
import { FlowError } from "../errors/flow-error.js";
import type { FlowDefinition } from "../flow/schema.js";
import { MAX_ERROR_MESSAGE_LENGTH, MAX_RESULT_JSON_LENGTH } from "../limits.js";
import { stringifyBounded } from "./bounded-json.js";

describe("a node's output", () => {
  it("fails its node with node.output-too-large past maxOutputLength, and writes no variable", async () => {
    const { behaviours, engine } = createHarness({ engine: { maxOutputLength: 1_000 } });
    behaviours.set("big", () => ({ text: "x".repeat(2_000) }));
    const result = await engine.run({
      nodes: [
        { id: "big", type: "step", inputs: { name: "v" } },
        { id: "reader", type: "step", inputs: { value: "${vars.v}" } },
      ],
    });

    expect(result.nodes.big).toMatchObject({
      status: "failed",
      error: {
        code: "node.output-too-large",
        message:
          'node "big" returned an output of more than 1000 characters as JSON (maxOutputLength, an option of the app running the flow)',
      },
    });
    expect(result.nodes.reader!.status).toBe("cancelled");
  });

  it("counts a string shared many times in one output each time", async () => {
    const { behaviours, engine } = createHarness();
    const shared = "s".repeat(5_000_000);
    behaviours.set("many", () => [shared, shared, shared, shared]);
    const result = await engine.run({ nodes: [{ id: "many", type: "step" }] });
    expect(result.nodes.many!.error!.code).toBe("node.output-too-large");
  });
});

describe("error messages", () => {
  it("are scrubbed of secrets, then cut to MAX_ERROR_MESSAGE_LENGTH with their length", async () => {
    const { behaviours, engine } = createHarness();
    const secret = "sk-secret-CANARY-0123456789";
    // The secret straddles the cut: cutting first would leave its start in the message.
    const message = `${"m".repeat(MAX_ERROR_MESSAGE_LENGTH - 40)}${secret}${"n".repeat(100_000)}`;
    behaviours.set("fails", () => {
      throw new FlowError("node.error", message);
    });
    const handle = engine.run(
      { inputs: { key: { type: "secret" } }, nodes: [{ id: "fails", type: "step" }] },
      { inputs: { key: secret } },
    );
    const events = recordEvents(handle);
    const result = await handle;

    const error = result.nodes.fails!.error!;
    expect(error.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
    expect(error.message).toMatch(/…\[cut, \d+ characters in all\]$/);
    expect(error.message).not.toContain(secret.slice(0, 6));
    expect(result.error!.message).toBe(error.message);
    const end = events.find((event) => event.name === "node:end");
    expect(end).toMatchObject({ error: { message: error.message } });
  });
});

describe("a chain of 10,000 nodes passing one 5 MB string on", () => {
  it("succeeds, and its result is written as bounded JSON", async () => {
    const { engine } = createHarness();
    const nodes: FlowDefinition["nodes"] = [{ id: "n0", type: "step", inputs: { value: "${inputs.big}" } }];
    for (let i = 1; i < 10_000; i++) {
      nodes.push({ id: `n${i}`, type: "step", inputs: { value: `\${nodes.n${i - 1}.output}` } });
    }
    const big = "b".repeat(5_000_000);
    const result = await engine.run(
      { inputs: { big: { type: "string" } }, nodes, outputs: { last: "${nodes.n9999.output}" } },
      { inputs: { big } },
    );
    expect(result.status).toBe("succeeded");
    expect(result.outputs.last).toBe(big);

    const text = stringifyBounded(result, { maxLength: MAX_RESULT_JSON_LENGTH, indent: 2 });
    expect(text.length).toBeLessThanOrEqual(MAX_RESULT_JSON_LENGTH * 1.01);
    const written = JSON.parse(text);
    expect(written.status).toBe("succeeded");
    expect(Object.keys(written.nodes)).toHaveLength(10_000);
    expect(written.nodes.n9999.output).toMatch(/^b+…\[cut, 5000000 characters in all\]$/);
  });
});
