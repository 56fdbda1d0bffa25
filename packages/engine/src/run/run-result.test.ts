import { describe, expect, it } from "vitest";
import type { CompiledNode } from "../graph/compile-flow.js";
import { Redactor } from "../secrets/redactor.js";
import { SECRET_MASK, Secret } from "../secrets/secret.js";
import { NodeRecords } from "./node-records.js";
import { assembleRunResult, type RunSummary } from "./run-result.js";

/** Two nodes, "a" (succeeded with `output`) and "b" (failed), recorded as a run would. */
function recordedRun(output: unknown, flowOutputs: Record<string, unknown>) {
  const nodes = [
    { index: 0, id: "a" },
    { index: 1, id: "b" },
  ] as CompiledNode[];
  const records = new NodeRecords(2);
  records.states[0] = "succeeded";
  records.outputs[0] = output;
  records.attempts[0] = 1;
  records.states[1] = "failed";
  records.errors[1] = { code: "node.error", message: "boom", nodeId: "b" };
  records.attempts[1] = 1;
  const summary: RunSummary = {
    runId: "run-1",
    ownRunId: false,
    failure: records.errors[1],
    cancelled: undefined,
    outputs: flowOutputs,
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, byConnection: {} },
    startedAt: 0,
    durationMs: 1,
  };
  return { nodes, records, summary };
}

/** Nested `depth` levels deep: `{ next: { next: … "bottom" } }`. */
function nested(depth: number): unknown {
  let value: unknown = "bottom";
  for (let level = 0; level < depth; level++) value = { next: value };
  return value;
}

describe("assembleRunResult", () => {
  it("masks Secret values in node and flow outputs when no secret string is known", () => {
    const short = new Secret("abc");
    const { nodes, records, summary } = recordedRun({ key: short }, { key: short });
    const redactor = new Redactor();
    expect(redactor.isEmpty).toBe(true);
    const result = assembleRunResult(summary, nodes, records, () => undefined, redactor);
    expect(result.nodes.a!.output).toEqual({ key: SECRET_MASK });
    expect(result.outputs).toEqual({ key: SECRET_MASK });
    expect(result.status).toBe("failed");
    expect(result.error).toEqual({ code: "node.error", message: "boom", nodeId: "b" });
  });

  it("gives the result a whole-result redaction would, secrets known or not", () => {
    for (const secret of [undefined, "sk-known-secret-1"]) {
      const output = { deep: nested(80), text: `key ${secret ?? "none"}`, secret: new Secret("xyz") };
      const { nodes, records, summary } = recordedRun(output, { deep: nested(80) });
      const redactor = new Redactor();
      if (secret) redactor.add(secret);
      const result = assembleRunResult(summary, nodes, records, () => undefined, redactor);
      const whole = new Redactor();
      if (secret) whole.add(secret);
      expect(result).toEqual(
        whole.redact({
          runId: "run-1",
          status: "failed",
          outputs: summary.outputs,
          nodes: {
            a: { status: "succeeded", attempts: 1, output, startedAt: 0, durationMs: 0 },
            b: { status: "failed", attempts: 1, error: records.errors[1], startedAt: 0, durationMs: 0 },
          },
          usage: summary.usage,
          error: summary.failure,
          startedAt: 0,
          durationMs: 1,
        }),
      );
      expect(JSON.stringify(result)).toContain("[too deep]");
      if (secret) expect(JSON.stringify(result)).not.toContain(secret);
    }
  });

  it("scrubs a run id the app gave, not one the run made itself", () => {
    const { nodes, records, summary } = recordedRun("ok", {});
    const redactor = new Redactor();
    redactor.add("sk-known-secret-1");
    const given = { ...summary, runId: "run-sk-known-secret-1" };
    const made = { ...summary, runId: "0f9c4a52-3d8e-4b7a-9e21-6c5d8f1a2b3c", ownRunId: true };

    expect(assembleRunResult(given, nodes, records, () => undefined, redactor).runId).toBe(
      `run-${SECRET_MASK}`,
    );
    expect(assembleRunResult(made, nodes, records, () => undefined, redactor).runId).toBe(made.runId);
  });
});
