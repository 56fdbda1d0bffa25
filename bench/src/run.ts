import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { type AdapterName, adapterNames, loadAdapter } from "./adapters/index.js";
import { reasonOf } from "./compare.js";
import { formatReport } from "./report.js";
import type { BenchReport, Section } from "./results.js";
import { measureBatch, serveBatchChild } from "./suites/batch.js";
import { measureBatchRows, serveBatchRowsChild } from "./suites/batch-rows.js";
import { measureColdStart } from "./suites/cold-start.js";
import { measureHttp } from "./suites/http.js";
import { measureFanOut, measureLattice } from "./suites/makespan.js";
import { measureMemory, serveMemoryChild } from "./suites/memory.js";
import { measureOverhead } from "./suites/overhead.js";
import { measureQueue } from "./suites/queue.js";
import { measureRagFlow, serveRagFlowChild } from "./suites/rag-flow.js";
import { measureScheduler } from "./suites/scheduler.js";
import type { Suite, SuiteContext } from "./suites/suite.js";

const suites: Record<string, { suite: Suite; inProcessAdapters: boolean }> = {
  W1: { suite: measureOverhead, inProcessAdapters: true },
  W2: { suite: measureFanOut, inProcessAdapters: true },
  W3: { suite: measureLattice, inProcessAdapters: true },
  W4: { suite: measureBatch, inProcessAdapters: false },
  W5: { suite: measureHttp, inProcessAdapters: false },
  W6: { suite: measureColdStart, inProcessAdapters: false },
  W7: { suite: measureMemory, inProcessAdapters: false },
  W8: { suite: measureScheduler, inProcessAdapters: true },
  W9: { suite: measureBatchRows, inProcessAdapters: false },
  W10: { suite: measureRagFlow, inProcessAdapters: false },
  W11: { suite: measureQueue, inProcessAdapters: false },
};

const usage = `Usage: pnpm bench [--only W1,W2] [--quick] [--json]
  --only   workloads to run, of ${Object.keys(suites).join(", ")} (default: all)
  --quick  smaller sizes and counts
  --json   print the report as JSON instead of tables`;

/** The child side of W4 and W7: measurements that need a process of their own. */
async function serveChild(kind: string, adapter: string | undefined, quick: boolean): Promise<void> {
  if (kind === "batch" && adapterNames.includes(adapter as AdapterName)) {
    return serveBatchChild(adapter as AdapterName, quick);
  }
  if (kind === "memory") return serveMemoryChild(quick);
  if (kind === "batch-rows") return serveBatchRowsChild(quick);
  if (kind === "rag-flow") return serveRagFlowChild(quick);
  throw new Error(
    `Expected --child batch --adapter <${adapterNames.join("|")}>, --child memory, --child batch-rows or --child rag-flow, got ${kind}`,
  );
}

async function main(): Promise<number> {
  // `pnpm bench -- --json` passes the `--` through.
  const args = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--"));
  const { values } = parseArgs({
    args,
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
      child: { type: "string" },
      adapter: { type: "string" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const quick = values.quick ?? false;
  if (values.child) {
    await serveChild(values.child, values.adapter, quick);
    return 0;
  }

  const selected = values.only
    ? values.only.split(",").map((id) => id.trim().toUpperCase())
    : Object.keys(suites);
  const unknown = selected.filter((id) => !(id in suites));
  if (unknown.length > 0) {
    console.error(
      `Expected workloads among ${Object.keys(suites).join(", ")}, got ${unknown.join(", ")}\n${usage}`,
    );
    return 2;
  }
  const needsAdapters = selected.some((id) => suites[id]!.inProcessAdapters);
  const context: SuiteContext = {
    quick,
    adapters: needsAdapters ? await Promise.all(adapterNames.map(loadAdapter)) : [],
    progress: (message) => process.stderr.write(`… ${message}\n`),
  };

  const report: BenchReport = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    quick,
    startedAt: new Date().toISOString(),
    sections: [],
  };
  for (const id of selected) {
    try {
      report.sections.push(await suites[id]!.suite(context));
    } catch (error) {
      const failed: Section = {
        id,
        title: "failed",
        metric: "",
        ratioColumns: [],
        detailColumns: [],
        rows: [],
        notes: [reasonOf(error)],
      };
      report.sections.push(failed);
    }
  }
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return 0;
}

process.exitCode = await main();
