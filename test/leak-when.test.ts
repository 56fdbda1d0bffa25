/**
 * The leak audit for `when` comparisons: a skip reason says what a compared value was, so a key
 * compared in a `when` — a secret input, text made from one, or a plain string input that becomes
 * a key later — must never show in it, through the API (events, result) or `weft run` (every
 * printer, the trace). Positive controls check that each node really was skipped with a reason.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { createEngine, type FlowDefinition, RUN_EVENT_NAMES, type RunResult } from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import { describe, expect, it } from "vitest";
import { CANARY, expectNoCanaryIn } from "./support/canary.js";
import { runCli, tempHome } from "./support/cli.js";

const flow: FlowDefinition = {
  inputs: { customerKey: { type: "string" }, passcode: { type: "secret" } },
  nodes: [
    {
      id: "conn",
      type: "create-azure-ai-connection",
      // A plain string input that becomes a key: the run knows its value as a secret from the start.
      inputs: { apiKey: "${inputs.customerKey}", endpoint: "http://127.0.0.1:9/models", variable: "c" },
    },
    {
      id: "plain",
      type: "declare-variable",
      when: { value: "${inputs.customerKey}", in: ["a", "b"] },
      inputs: { name: "plain", value: 1 },
    },
    {
      id: "secret",
      type: "declare-variable",
      when: { value: "${inputs.passcode}", is: "open-sesame" },
      inputs: { name: "secret", value: 1 },
    },
    {
      id: "interpolated",
      type: "declare-variable",
      when: { value: "key=${inputs.passcode}", not: "key=${inputs.passcode}" },
      inputs: { name: "interpolated", value: 1 },
    },
    {
      id: "nested",
      type: "declare-variable",
      when: { value: "${nodes.wrap.output}", is: { other: true } },
      inputs: { name: "nested", value: 1 },
    },
    {
      id: "wrap",
      type: "declare-variable",
      inputs: { name: "wrapped", value: { key: "${inputs.customerKey}", list: ["${inputs.customerKey}"] } },
    },
  ],
};

const SKIPPED = ["plain", "secret", "interpolated", "nested"];

function expectReasons(result: RunResult, where: string): void {
  for (const id of SKIPPED) {
    expect(result.nodes[id]?.status, `${where}: ${id}`).toBe("skipped");
    expect(result.nodes[id]?.reason, `${where}: ${id}`).toMatch(/^when \S*\$\{/);
  }
  expect(result.nodes.secret?.reason, where).toBe(
    "when ${inputs.passcode} is *** (was ***: a secret is not shown)",
  );
}

describe("a key compared in a when", () => {
  it("never shows in a skip reason: API events and result", async () => {
    const engine = createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds });
    const events: unknown[] = [];
    const handle = engine.run(flow, { inputs: { customerKey: CANARY, passcode: CANARY } });
    for (const name of RUN_EVENT_NAMES) handle.on(name, (event: unknown) => events.push({ name, event }));
    const result = await handle;
    expect(result.status).toBe("succeeded");
    expectReasons(result, "api");
    expectNoCanaryIn({
      "events (JSON)": JSON.stringify(events),
      "events (util.inspect)": inspect(events, { depth: null, showHidden: true }),
      "RunResult (JSON)": JSON.stringify(result),
    });
  });

  it("never shows in weft run's output, JSON result, events or trace", async () => {
    const files = mkdtempSync(join(tmpdir(), "weft-leak-when-"));
    const flowFile = join(files, "when.flow.json");
    writeFileSync(flowFile, JSON.stringify(flow, null, 2));
    const env = { WEFT_HOME: tempHome(), CANARY_KEY: CANARY };
    const inputs = ["--input-env", "customerKey=CANARY_KEY", "--input-env", "passcode=CANARY_KEY"];
    const sinks: Record<string, string> = {};
    for (const [name, args] of [
      ["plain", []],
      ["--json --verbose", ["--json", "--verbose"]],
      ["--json --stream", ["--json", "--stream"]],
    ] as const) {
      const trace = join(files, `${name.replace(/[^a-z]+/g, "-")}.trace.jsonl`);
      const run = await runCli(["run", flowFile, ...inputs, ...args, "--trace", trace], { env });
      expect(run.code, `${name}\n${run.stderr}`).toBe(0);
      sinks[`${name} › stdout`] = run.stdout;
      sinks[`${name} › stderr`] = run.stderr;
      sinks[`${name} › trace`] = readFileSync(trace, "utf8");
      if (name !== "plain") {
        const last = run.stdout
          .trimEnd()
          .split("\n")
          .at(name === "--json --stream" ? -1 : 0);
        expectReasons(JSON.parse(name === "--json --stream" ? (last ?? "") : run.stdout), name);
      } else {
        expect(run.stderr, name).toContain("↷ plain skipped: when ${inputs.customerKey} is one of");
      }
    }
    expectNoCanaryIn(sinks);
  });
});
