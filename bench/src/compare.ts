import { type Adapter, AdapterUnavailableError, type PreparedWorkload } from "./adapters/adapter.js";
import { runPool, type Stat, timeMs } from "./measure.js";
import type { Row } from "./results.js";
import { StepRunner } from "./step.js";
import type { Workload } from "./workloads.js";

/** Why an adapter has no figures: it cannot run the case (`n/a`), or Weft is not built yet (`pending`). */
export interface Unmeasured {
  status: "n/a" | "pending";
  reason: string;
}

/** What measuring one adapter gave: durations, or why there are none. */
export type Outcome = { status: "ok"; durationsMs: number[] } | Unmeasured;

/**
 * How long to warm up and how much to measure. Warm-up runs go on until both `warmupRuns` and
 * `warmupMs` are reached, since JIT compilation of a fast engine takes many runs while one run of a
 * slow library already takes seconds. Then `rounds` rounds go over every adapter; in each, an
 * adapter runs as many times as fit in `roundMs` (at least once), each run a sample.
 */
export interface Repetitions {
  warmupRuns: number;
  warmupMs: number;
  rounds: number;
  roundMs: number;
}

interface Contender {
  adapter: Adapter;
  step: StepRunner;
  prepared: PreparedWorkload;
  durationsMs: number[];
  runsPerRound: number;
}

/** First line of an error, for a table cell. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.slice(0, 160);
}

/** Turns a failure into an outcome: `pending` when Weft is not built yet, `n/a` otherwise. */
export function failureOutcome(error: unknown): Unmeasured {
  return { status: error instanceof AdapterUnavailableError ? "pending" : "n/a", reason: reasonOf(error) };
}

/** Builds the adapter's graph with a fresh step counter, or says why it cannot. */
export async function prepareContender(
  adapter: Adapter,
  workload: Workload,
  concurrency: number,
): Promise<{ step: StepRunner; prepared: PreparedWorkload } | Unmeasured> {
  const step = new StepRunner();
  const options = { concurrency, step };
  const unsupported = adapter.unsupported?.(workload, options);
  if (unsupported) return { status: "n/a", reason: unsupported };
  try {
    return { step, prepared: await adapter.prepare(workload, options) };
  } catch (error) {
    return failureOutcome(error);
  }
}

/**
 * Runs `runs` runs, `runsAtOnce` at a time, and checks that every node of every run called the
 * step exactly once — a library that silently drops nodes must not look fast.
 */
export async function runChecked(
  step: StepRunner,
  prepared: PreparedWorkload,
  runs = 1,
  runsAtOnce = 1,
): Promise<void> {
  const before = step.calls;
  if (runs === 1) await prepared.run();
  else await runPool(runs, runsAtOnce, () => prepared.run());
  const ran = step.calls - before;
  const expected = runs * prepared.stepsPerRun;
  if (ran !== expected) {
    throw new Error(`ran ${ran} of ${expected} node steps without reporting an error`);
  }
}

/**
 * Times single runs of one workload on every adapter. Samples go round-robin across adapters, so
 * that drift on a shared machine does not land on a single adapter.
 */
export async function compareRuns(
  workload: Workload,
  adapters: readonly Adapter[],
  concurrency: number,
  repetitions: Repetitions,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const contenders: Contender[] = [];
  for (const adapter of adapters) {
    const prepared = await prepareContender(adapter, workload, concurrency);
    if ("status" in prepared) outcomes.set(adapter.name, prepared);
    else contenders.push({ adapter, ...prepared, durationsMs: [], runsPerRound: 1 });
  }

  const live = new Set(contenders);
  const attempt = async (contender: Contender, task: () => Promise<void>) => {
    try {
      await task();
    } catch (error) {
      live.delete(contender);
      outcomes.set(contender.adapter.name, failureOutcome(error));
    }
  };
  const timeRun = (contender: Contender) => timeMs(() => runChecked(contender.step, contender.prepared));

  for (const contender of contenders) {
    await attempt(contender, async () => {
      let runs = 0;
      let lastMs = 0;
      const start = performance.now();
      while (runs < repetitions.warmupRuns || performance.now() - start < repetitions.warmupMs) {
        lastMs = await timeRun(contender);
        runs++;
      }
      contender.runsPerRound = Math.min(20, Math.max(1, Math.floor(repetitions.roundMs / lastMs)));
    });
  }
  for (let round = 0; round < repetitions.rounds; round++) {
    for (const contender of [...live]) {
      await attempt(contender, async () => {
        for (let run = 0; run < contender.runsPerRound; run++)
          contender.durationsMs.push(await timeRun(contender));
      });
    }
  }
  for (const contender of live) {
    outcomes.set(contender.adapter.name, { status: "ok", durationsMs: contender.durationsMs });
  }
  return outcomes;
}

/** The table row for an outcome: its durations turned into the section's metric, or why there are none. */
export function outcomeRow(
  caseName: string,
  adapter: string,
  outcome: Outcome,
  metric: (durationsMs: number[]) => Stat,
): Row {
  if (outcome.status !== "ok")
    return { case: caseName, adapter, status: outcome.status, reason: outcome.reason };
  return { case: caseName, adapter, status: "ok", value: metric(outcome.durationsMs) };
}
