import { type AdapterName, adapterNames, loadAdapter } from "../adapters/index.js";
import { ChildConnection } from "../child-process.js";
import { failureOutcome, prepareContender, runChecked, type Unmeasured } from "../compare.js";
import { idealMakespanMs } from "../ideal-makespan.js";
import { megabytes, RssSampler, summarize, timeMs } from "../measure.js";
import { addAdapterRatios, type Row, type Section } from "../results.js";
import { productFlow } from "../workloads.js";
import type { SuiteContext } from "./suite.js";

const runsAtOnce = 100;
const chatDelayMs = 5;
const samples = 5;

/** What a batch child says: ready (after its warm-up), one sample, its peak RSS, or why it cannot run. */
type BatchReply =
  | { type: "ready"; runsPerSample: number }
  | { type: "sample"; runsPerSecond: number }
  | { type: "finished"; peakRssBytes: number }
  | ({ type: "unmeasured" } & Unmeasured);

/**
 * Sizes the batches: 5,000 runs, or fewer (down to 1,000) for a library so slow that 5,000 runs
 * would take more than a few seconds a sample.
 */
function runsPerSample(warmupRunsPerSecond: number, quick: boolean): number {
  const [least, most, seconds] = quick ? [300, 1000, 0.5] : [1000, 5000, 2];
  return Math.round(Math.min(most, Math.max(least, warmupRunsPerSecond * seconds)) / 100) * 100;
}

/**
 * The child's side: loads only this adapter (so peak RSS is the library's own), warms up, then
 * runs one batch per `sample` request and reports its peak RSS on `finish`.
 */
export async function serveBatchChild(name: AdapterName, quick: boolean): Promise<void> {
  const reply = (message: BatchReply): void => {
    process.send!(message);
  };
  const sampler = new RssSampler().start();
  const adapter = await loadAdapter(name);
  const contender = await prepareContender(adapter, productFlow(chatDelayMs), Number.POSITIVE_INFINITY);
  if ("status" in contender) return reply({ type: "unmeasured", ...contender });
  const { step, prepared } = contender;
  let runs: number;
  try {
    // Until the JIT has settled: a fast engine needs thousands of runs, a slow library a few batches.
    const [warmupBatch, warmupMs] = quick ? [300, 500] : [500, 2000];
    const start = performance.now();
    let runsPerSecond = 0;
    for (let batches = 0; batches < 2 || performance.now() - start < warmupMs; batches++) {
      const ms = await timeMs(() => runChecked(step, prepared, warmupBatch, runsAtOnce));
      runsPerSecond = warmupBatch / (ms / 1000);
    }
    runs = runsPerSample(runsPerSecond, quick);
  } catch (error) {
    return reply({ type: "unmeasured", ...failureOutcome(error) });
  }
  process.on("message", async (message) => {
    if (message === "finish") {
      reply({ type: "finished", peakRssBytes: sampler.stop() });
      process.disconnect();
      return;
    }
    try {
      const ms = await timeMs(() => runChecked(step, prepared, runs, runsAtOnce));
      reply({ type: "sample", runsPerSecond: runs / (ms / 1000) });
    } catch (error) {
      reply({ type: "unmeasured", ...failureOutcome(error) });
    }
  });
  reply({ type: "ready", runsPerSample: runs });
}

interface BatchContender {
  name: AdapterName;
  child: ChildConnection<BatchReply>;
  runsPerSample: number;
  throughputs: number[];
}

/**
 * W4: batch throughput of the 3-node product flow, 100 runs at a time. Each adapter runs in a
 * process of its own; samples go round-robin across those processes so that drift on a shared
 * machine hits every adapter alike.
 */
export async function measureBatch({ quick, progress }: SuiteContext): Promise<Section> {
  const idealRunsPerSecond = runsAtOnce / (idealMakespanMs(productFlow(chatDelayMs)) / 1000);
  const caseName = "product flow";
  const rows: Row[] = [];
  const contenders: BatchContender[] = [];
  const unmeasured = (name: string, { status, reason }: Unmeasured) =>
    rows.push({ case: caseName, adapter: name, status, reason });
  try {
    for (const name of adapterNames) {
      progress(`W4 batch: warming up ${name}`);
      const child = new ChildConnection<BatchReply>([
        "batch",
        "--adapter",
        name,
        ...(quick ? ["--quick"] : []),
      ]);
      const ready = await child
        .next()
        .catch((error: unknown) => ({ type: "unmeasured" as const, ...failureOutcome(error) }));
      if (ready.type === "ready") {
        contenders.push({
          name,
          child,
          runsPerSample: ready.runsPerSample,
          throughputs: [],
        });
      } else {
        child.close();
        if (ready.type === "unmeasured") unmeasured(name, ready);
      }
    }
    for (let sample = 1; sample <= samples; sample++) {
      progress(`W4 batch: sample ${sample}/${samples}`);
      for (const contender of [...contenders]) {
        const reply = await contender.child
          .request("sample")
          .catch((error: unknown) => ({ type: "unmeasured" as const, ...failureOutcome(error) }));
        if (reply.type === "sample") contender.throughputs.push(reply.runsPerSecond);
        else {
          contenders.splice(contenders.indexOf(contender), 1);
          contender.child.close();
          if (reply.type === "unmeasured") unmeasured(contender.name, reply);
        }
      }
    }
    for (const contender of contenders) {
      const finished = await contender.child.request("finish");
      const value = summarize(contender.throughputs);
      rows.push({
        case: caseName,
        adapter: contender.name,
        status: "ok",
        value,
        ratios: { "÷ ideal": value.median / idealRunsPerSecond },
        details: {
          "runs/sample": String(contender.runsPerSample),
          "peak RSS": finished.type === "finished" ? `${megabytes(finished.peakRssBytes).toFixed(0)} MB` : "",
        },
      });
    }
  } finally {
    for (const contender of contenders) contender.child.close();
  }
  rows.sort(
    (a, b) => adapterNames.indexOf(a.adapter as AdapterName) - adapterNames.indexOf(b.adapter as AdapterName),
  );
  addAdapterRatios(rows);
  return {
    id: "W4",
    title: `batch: product flow (trivial → trivial → ${chatDelayMs} ms call), ${runsAtOnce} runs at a time`,
    metric: "runs/s",
    ratioColumns: ["÷ ideal", "÷ floor", "÷ weft"],
    detailColumns: ["runs/sample", "peak RSS"],
    rows,
    notes: [
      `ideal: ${runsAtOnce} runs at a time ÷ ${chatDelayMs} ms critical path = ${idealRunsPerSecond} runs/s`,
      "each adapter runs in a process of its own that loads only its library, so peak RSS includes the library",
      "Weft runs declare-variable → create-azure-ai-connection → a simulated chat node with dynamicConnection",
    ],
  };
}
