import { compareRuns, outcomeRow } from "../compare.js";
import { idealMakespanMs } from "../ideal-makespan.js";
import { summarize } from "../measure.js";
import { addAdapterRatios, type Row, type Section } from "../results.js";
import { fanOut, lattice, type Workload } from "../workloads.js";
import type { SuiteContext } from "./suite.js";

interface MakespanCase {
  name: string;
  workload: Workload;
  concurrency: number;
}

/** Times each case on every adapter; `÷ ideal` divides by the zero-overhead makespan. */
async function measureMakespans(cases: readonly MakespanCase[], { quick, adapters, progress }: SuiteContext) {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const { name, workload, concurrency } of cases) {
    progress(`${name}`);
    const idealMs = idealMakespanMs(workload, concurrency);
    notes.push(`${name}: ideal makespan ${idealMs} ms`);
    const outcomes = await compareRuns(workload, adapters, concurrency, {
      warmupRuns: 1,
      warmupMs: quick ? 200 : 500,
      rounds: 5,
      roundMs: quick ? 100 : 200,
    });
    for (const adapter of adapters) {
      const row = outcomeRow(name, adapter.name, outcomes.get(adapter.name)!, summarize);
      if (row.value) row.ratios = { "÷ ideal": row.value.median / idealMs };
      rows.push(row);
    }
  }
  addAdapterRatios(rows);
  return { rows, notes };
}

/** W2: a fan-out of 200 simulated 50 ms calls, unbounded and at 16 at a time. */
export async function measureFanOut(context: SuiteContext): Promise<Section> {
  const workload = fanOut(200, 50);
  const { rows, notes } = await measureMakespans(
    [
      { name: "unlimited", workload, concurrency: Number.POSITIVE_INFINITY },
      { name: "concurrency 16", workload, concurrency: 16 },
    ],
    context,
  );
  return {
    id: "W2",
    title: `fan-out: ${workload.name}`,
    metric: "makespan ms",
    ratioColumns: ["÷ ideal", "÷ floor", "÷ weft"],
    detailColumns: [],
    rows,
    notes,
  };
}

/** W3: a 10 × 20 lattice of 5 ms and 50 ms calls, unbounded; the ideal is the exact critical path. */
export async function measureLattice(context: SuiteContext): Promise<Section> {
  const workload = lattice(10, 20, 5, 50);
  const { rows, notes } = await measureMakespans(
    [{ name: "unlimited", workload, concurrency: Number.POSITIVE_INFINITY }],
    context,
  );
  const layerSum = 10 * 50;
  return {
    id: "W3",
    title: `lattice: ${workload.name}`,
    metric: "makespan ms",
    ratioColumns: ["÷ ideal", "÷ floor", "÷ weft"],
    detailColumns: [],
    rows,
    notes: [
      ...notes.map((note) => note.replace("ideal makespan", "critical path")),
      `a scheduler that waits for whole layers needs the sum of each layer's slowest node: ${layerSum} ms`,
    ],
  };
}
