/**
 * The W4 product flow run in a loop, for instruction counts on a busy machine (see README, "A/B on
 * a busy machine"): 2,000 warm-up runs, then `runs` more, 100 at a time. The chat waits
 * `delayMs` (default 5, as W4); at 0 it answers at once, so no timer fires and the count does not
 * depend on how late timers are under valgrind.
 *
 *     valgrind --tool=callgrind --callgrind-out-file=/dev/null node dist/probe-w4.js 3000 0
 *
 * The count at 3,000 less the count at 1,000, divided by 2,000, is the cost of one run.
 */
import { weftAdapter } from "./adapters/weft.js";
import { runPool } from "./measure.js";
import { StepRunner } from "./step.js";
import { productFlow } from "./workloads.js";

const runs = Number(process.argv[2] ?? 5000);
const delayMs = Number(process.argv[3] ?? 5);
const step = new StepRunner();
const prepared = await weftAdapter.prepare(productFlow(delayMs), {
  concurrency: Number.POSITIVE_INFINITY,
  step,
});
await runPool(2000, 100, () => prepared.run());
const cpu = process.cpuUsage();
const start = performance.now();
await runPool(runs, 100, () => prepared.run());
const used = process.cpuUsage(cpu);
const ms = performance.now() - start;
console.log(
  JSON.stringify({
    runs,
    delayMs,
    cpuMicrosecondsPerRun: Number(((used.user + used.system) / runs).toFixed(2)),
    runsPerSecond: Math.round((runs / ms) * 1000),
  }),
);
