import { compareRuns, outcomeRow } from "../compare.js";
import { mapStat, summarize } from "../measure.js";
import { addAdapterRatios, type Row, type Section } from "../results.js";
import { chain } from "../workloads.js";
import type { SuiteContext } from "./suite.js";

/** W1: the cost of scheduling itself — a chain of trivial nodes, in µs per node. */
export async function measureOverhead({ quick, adapters, progress }: SuiteContext): Promise<Section> {
  const sizes = quick ? [250, 1000] : [250, 1000, 2000];
  const rows: Row[] = [];
  for (const size of sizes) {
    const workload = chain(size);
    progress(`W1 ${workload.name}`);
    const outcomes = await compareRuns(workload, adapters, Number.POSITIVE_INFINITY, {
      warmupRuns: 2,
      warmupMs: quick ? 300 : 1000,
      rounds: 5,
      roundMs: quick ? 50 : 150,
    });
    for (const adapter of adapters) {
      rows.push(
        outcomeRow(`N=${size}`, adapter.name, outcomes.get(adapter.name)!, (durationsMs) =>
          mapStat(summarize(durationsMs), (ms) => (ms * 1000) / size),
        ),
      );
    }
  }
  addAdapterRatios(rows);

  const notes = adapters.flatMap((adapter) => {
    const perNode = sizes.map(
      (size) => rows.find((row) => row.case === `N=${size}` && row.adapter === adapter.name)?.value?.median,
    );
    const [first, last] = [perNode[0], perNode[perNode.length - 1]];
    return first && last
      ? [
          `${adapter.name}: µs/node at N=${sizes[sizes.length - 1]} ÷ at N=${sizes[0]} = ${(last / first).toFixed(2)}`,
        ]
      : [];
  });
  return {
    id: "W1",
    title: "overhead: chain of N trivial nodes",
    metric: "µs/node",
    ratioColumns: ["÷ floor", "÷ weft"],
    detailColumns: [],
    rows,
    notes: [
      "the floor completes a trivial step in the same loop, without a promise: a lower bound, not a target",
      "flat from N=250 to the largest N is the target; growth per adapter:",
      ...notes,
    ],
  };
}
