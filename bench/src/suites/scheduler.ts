import type { Adapter, PreparedWorkload } from "../adapters/adapter.js";
import { failureOutcome, runChecked, type Unmeasured } from "../compare.js";
import { mapStat, type Stat, summarize, timeMs } from "../measure.js";
import { addAdapterRatios, type Row, type Section } from "../results.js";
import { StepRunner } from "../step.js";
import { chain, fanOut, lattice, type Workload, withPromises } from "../workloads.js";
import type { SuiteContext } from "./suite.js";

/** The adapters W8 compares: the schedulers built on a ready queue. */
const schedulers = new Set(["floor", "p-graph", "weft"]);

/** What one run of one adapter gave: its makespan, and how far apart the watched nodes started. */
interface Samples {
  makespansMs: number[];
  spreadsMs: number[];
}

interface Contender {
  adapter: Adapter;
  step: StepRunner;
  prepared: PreparedWorkload;
  starts: number[];
  samples: Samples;
}

/**
 * Runs `workload` on every scheduler, round-robin so that drift on a shared machine hits all of
 * them alike, and records each run's makespan and the spread of the starts of the nodes `watched`
 * selects (the time from the first of them to start to the last).
 */
async function sampleRuns(
  workload: Workload,
  adapters: readonly Adapter[],
  watched: (id: string) => boolean,
  { quick, runsPerRound }: { quick: boolean; runsPerRound: number },
): Promise<Map<string, Samples | Unmeasured>> {
  const outcomes = new Map<string, Samples | Unmeasured>();
  const contenders: Contender[] = [];
  for (const adapter of adapters) {
    const starts: number[] = [];
    const step = new StepRunner({
      started: (id) => {
        if (watched(id)) starts.push(performance.now());
      },
      finished: () => {},
    });
    const options = { concurrency: Number.POSITIVE_INFINITY, step };
    const unsupported = adapter.unsupported?.(workload, options);
    if (unsupported) {
      outcomes.set(adapter.name, { status: "n/a", reason: unsupported });
      continue;
    }
    try {
      const prepared = await adapter.prepare(workload, options);
      contenders.push({ adapter, step, prepared, starts, samples: { makespansMs: [], spreadsMs: [] } });
    } catch (error) {
      outcomes.set(adapter.name, failureOutcome(error));
    }
  }
  const runOnce = async (contender: Contender, record: boolean) => {
    contender.starts.length = 0;
    const ms = await timeMs(() => runChecked(contender.step, contender.prepared));
    if (!record) return;
    const { starts, samples } = contender;
    samples.makespansMs.push(ms);
    if (starts.length > 0) samples.spreadsMs.push(Math.max(...starts) - Math.min(...starts));
  };
  const warmupMs = quick ? 300 : 1000;
  // No collection between rounds: after a forced full collection, runs are many times slower for a while.
  const rounds = quick ? 5 : 9;
  const live = new Set(contenders);
  const attempt = async (contender: Contender, task: () => Promise<void>) => {
    try {
      await task();
    } catch (error) {
      live.delete(contender);
      outcomes.set(contender.adapter.name, failureOutcome(error));
    }
  };
  for (const contender of contenders) {
    await attempt(contender, async () => {
      const start = performance.now();
      for (let runs = 0; runs < 3 || performance.now() - start < warmupMs; runs++) {
        await runOnce(contender, false);
      }
    });
  }
  for (let round = 0; round < rounds; round++) {
    for (const contender of [...live]) {
      await attempt(contender, async () => {
        for (let run = 0; run < runsPerRound; run++) await runOnce(contender, true);
      });
    }
  }
  for (const contender of live) outcomes.set(contender.adapter.name, contender.samples);
  return outcomes;
}

/** One table row per adapter for one figure of a case. */
function rowsOf(
  caseName: string,
  adapters: readonly Adapter[],
  outcomes: Map<string, Samples | Unmeasured>,
  figure: (samples: Samples) => Stat,
  target: string,
): Row[] {
  return adapters.map((adapter) => {
    const outcome = outcomes.get(adapter.name)!;
    if ("status" in outcome) {
      return { case: caseName, adapter: adapter.name, status: outcome.status, reason: outcome.reason };
    }
    return {
      case: caseName,
      adapter: adapter.name,
      status: "ok",
      value: figure(outcome),
      ...(adapter.name === "weft" ? { details: { target } } : {}),
    };
  });
}

/**
 * W8: the scheduler under nodes written the way users write them — async functions that read their
 * inputs from other nodes' outputs (`${nodes.<id>.output}` in Weft) — on the ready-queue
 * schedulers: how far apart the 200 starts of a fan-out are, the makespans of that fan-out and of
 * a lattice of uniform 1 ms calls, and the cost per node of a chain.
 */
export async function measureScheduler({ quick, adapters, progress }: SuiteContext): Promise<Section> {
  const compared = adapters.filter((adapter) => schedulers.has(adapter.name));
  const rows: Row[] = [];
  const makespan = (samples: Samples) => summarize(samples.makespansMs);

  const wide = withPromises(fanOut(200, 50));
  progress(`W8 ${wide.name}`);
  const fanOutRuns = await sampleRuns(wide, compared, (id) => id.startsWith("call"), {
    quick,
    runsPerRound: 4,
  });
  rows.push(
    ...rowsOf(
      "fan-out: spread of the 200 starts, ms",
      compared,
      fanOutRuns,
      (samples) => summarize(samples.spreadsMs),
      "≤ 0.5",
    ),
    ...rowsOf("fan-out: makespan, ms", compared, fanOutRuns, makespan, "≤ 1.03 × floor"),
  );

  const grid = withPromises(lattice(10, 20, 1, 1));
  progress(`W8 ${grid.name}`);
  const latticeRuns = await sampleRuns(grid, compared, () => false, { quick, runsPerRound: 10 });
  rows.push(...rowsOf("lattice: makespan, ms", compared, latticeRuns, makespan, "≤ 1.03 × floor"));

  const size = 1000;
  const line = withPromises(chain(size));
  progress(`W8 ${line.name}`);
  const chainRuns = await sampleRuns(line, compared, () => false, { quick, runsPerRound: 20 });
  rows.push(
    ...rowsOf(
      `chain of ${size}: µs/node`,
      compared,
      chainRuns,
      (samples) => mapStat(summarize(samples.makespansMs), (ms) => (ms * 1000) / size),
      "≤ 1.7",
    ),
  );
  addAdapterRatios(rows);

  return {
    id: "W8",
    title: "scheduler: async nodes that read their inputs by reference, unlimited concurrency",
    metric: "figure (see case)",
    ratioColumns: ["÷ floor", "÷ weft"],
    detailColumns: ["target"],
    rows,
    notes: [
      `fan-out: ${wide.name}; lattice: ${grid.name}; chain: ${line.name}`,
      "every node is an async function given its dependencies' outputs; Weft's read them through `${nodes.<id>.output}`",
      "spread: from the first of the 200 parallel nodes to start to the last, within one run",
    ],
  };
}
