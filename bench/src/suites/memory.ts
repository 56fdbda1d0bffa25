import type { PreparedWorkload } from "../adapters/adapter.js";
import { loadAdapter } from "../adapters/index.js";
import { ChildConnection } from "../child-process.js";
import { failureOutcome, prepareContender, runChecked, type Unmeasured } from "../compare.js";
import { collectGarbage, megabytes, RssSampler, summarize, timeMs } from "../measure.js";
import type { Section } from "../results.js";
import { productFlow } from "../workloads.js";
import type { SuiteContext } from "./suite.js";

const runsAtOnce = 100;

interface Checkpoint {
  runs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

type MemoryChildResult =
  | {
      status: "ok";
      runsPerSecond: number;
      rssBeforeBytes: number;
      peakRssBytes: number;
      checkpoints: Checkpoint[];
    }
  | Unmeasured;

const plan = (quick: boolean) =>
  quick
    ? { total: 20_000, checkpoints: [2_000, 10_000, 20_000] }
    : { total: 100_000, checkpoints: [10_000, 50_000, 100_000] };

/**
 * Runs in a process of its own: the product flow (simulated 1 ms call) many times through one engine,
 * 100 at a time, sampling RSS throughout and noting it when the completed runs reach a checkpoint.
 */
export async function serveMemoryChild(quick: boolean): Promise<void> {
  process.send!(await measureMemoryHere(quick));
  process.disconnect();
}

async function measureMemoryHere(quick: boolean): Promise<MemoryChildResult> {
  const { total, checkpoints } = plan(quick);
  const adapter = await loadAdapter("weft");
  const contender = await prepareContender(adapter, productFlow(1), Number.POSITIVE_INFINITY);
  if ("status" in contender) return contender;
  const { step, prepared } = contender;
  try {
    await runChecked(step, prepared, 1000, runsAtOnce);
    collectGarbage();
    const sampler = new RssSampler().start(20);
    const rssBeforeBytes = sampler.sample();
    const reached: Checkpoint[] = [];
    let completed = 0;
    const counted: PreparedWorkload = {
      stepsPerRun: prepared.stepsPerRun,
      async run() {
        await prepared.run();
        if (checkpoints.includes(++completed)) {
          const heapUsedBytes = process.memoryUsage().heapUsed;
          reached.push({ runs: completed, rssBytes: sampler.sample(), heapUsedBytes });
        }
      },
    };
    const seconds = (await timeMs(() => runChecked(step, counted, total, runsAtOnce))) / 1000;
    return {
      status: "ok",
      runsPerSecond: total / seconds,
      rssBeforeBytes,
      peakRssBytes: sampler.stop(),
      checkpoints: reached,
    };
  } catch (error) {
    return failureOutcome(error);
  }
}

/** W7: memory over many runs through one engine instance — RSS should stay flat. */
export async function measureMemory({ quick, progress }: SuiteContext): Promise<Section> {
  const { total, checkpoints } = plan(quick);
  const label = (runs: number) => `RSS @${runs / 1000}k`;
  progress(`W7 memory: ${total} runs`);
  const child = new ChildConnection<MemoryChildResult>(["memory", ...(quick ? ["--quick"] : [])]);
  const result = await child.next().catch(failureOutcome);
  child.close();
  const caseName = `${total} runs`;
  const section: Section = {
    id: "W7",
    title: `memory: product flow (simulated 1 ms call), one engine, ${runsAtOnce} runs at a time`,
    metric: "runs/s",
    ratioColumns: [],
    detailColumns: ["RSS before", ...checkpoints.map(label), "peak RSS", "heap @end"],
    rows: [],
    notes: [
      "one long pass in a fresh process; RSS is sampled every 20 ms; heap is heapUsed, without a forced GC",
    ],
  };
  if (result.status !== "ok") {
    section.rows.push({ case: caseName, adapter: "weft", status: result.status, reason: result.reason });
    return section;
  }
  const mb = (bytes: number) => `${megabytes(bytes).toFixed(0)} MB`;
  const last = result.checkpoints[result.checkpoints.length - 1];
  section.rows.push({
    case: caseName,
    adapter: "weft",
    status: "ok",
    value: summarize([result.runsPerSecond]),
    details: {
      "RSS before": mb(result.rssBeforeBytes),
      ...Object.fromEntries(result.checkpoints.map((point) => [label(point.runs), mb(point.rssBytes)])),
      "peak RSS": mb(result.peakRssBytes),
      ...(last ? { "heap @end": mb(last.heapUsedBytes) } : {}),
    },
  });
  return section;
}
