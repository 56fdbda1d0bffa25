import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reasonOf } from "../compare.js";
import { summarize } from "../measure.js";
import { repoRoot } from "../paths.js";
import type { Row, Section } from "../results.js";
import type { SuiteContext } from "./suite.js";

/** Three declare-variable nodes, each reading the variable of the one before. */
const threeNodeFlow = {
  name: "cold-start",
  nodes: [
    { id: "a", type: "declare-variable", inputs: { name: "a", value: "1" } },
    { id: "b", type: "declare-variable", inputs: { name: "b", value: "${vars.a}" } },
    { id: "c", type: "declare-variable", inputs: { name: "c", value: "${vars.b}" } },
  ],
};

/** Wall-clock ms of one `node …` process, which must exit 0. */
function timeProcess(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8" });
  const ms = performance.now() - start;
  if (result.status !== 0) {
    const output = `${result.stderr}${result.stdout}`.trim() || String(result.error ?? result.signal);
    throw new Error(`\`node ${args.join(" ")}\` exited with ${result.status}: ${output}`);
  }
  return ms;
}

/** W6: `weft run` of a 3-node flow as a fresh process, against `node -e 0`. */
export async function measureColdStart({ quick, progress }: SuiteContext): Promise<Section> {
  const bin = join(repoRoot, "packages/cli/bundle/weft.js");
  const caseName = "3 declare-variable nodes";
  const section: Section = {
    id: "W6",
    title: "cold start: `node packages/cli/bundle/weft.js run flow.json`, spawned, wall clock",
    metric: "ms",
    ratioColumns: ["÷ node -e 0"],
    detailColumns: [],
    rows: [],
    notes: [],
  };
  const baseline = { name: "node -e 0", args: ["-e", "0"], times: [] as number[] };
  const weft = { name: "weft run", args: [bin, "run", "flow.json"], times: [] as number[] };
  const directory = mkdtempSync(join(tmpdir(), "weft-bench-"));
  // The CLI's local connection store goes to the temporary directory, not the user's home.
  const env = { ...process.env, WEFT_HOME: join(directory, "home") };
  try {
    writeFileSync(join(directory, "flow.json"), JSON.stringify(threeNodeFlow, null, 2));
    const built = existsSync(bin);
    let weftFailure = built ? undefined : "packages/cli/bundle/weft.js is not built";
    const samples = quick ? 5 : 9;
    for (let index = 0; index <= samples; index++) {
      progress(`W6 cold start ${index}/${samples}`);
      const measure = index > 0;
      const baselineMs = timeProcess(baseline.args, directory, env);
      if (measure) baseline.times.push(baselineMs);
      if (weftFailure) continue;
      try {
        const weftMs = timeProcess(weft.args, directory, env);
        if (measure) weft.times.push(weftMs);
      } catch (error) {
        weftFailure = reasonOf(error);
      }
    }
    const baselineStat = summarize(baseline.times);
    section.rows.push({ case: caseName, adapter: baseline.name, status: "ok", value: baselineStat });
    const weftRow: Row = weftFailure
      ? { case: caseName, adapter: weft.name, status: built ? "n/a" : "pending", reason: weftFailure }
      : { case: caseName, adapter: weft.name, status: "ok", value: summarize(weft.times) };
    if (weftRow.value) weftRow.ratios = { "÷ node -e 0": weftRow.value.median / baselineStat.median };
    section.rows.push(weftRow);
    section.notes.push("the first spawn of each is a warm-up (file cache) and is not counted");
    return section;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
