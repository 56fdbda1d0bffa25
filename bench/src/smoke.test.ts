import { describe, expect, it } from "vitest";
import { adapterNames, loadAdapter } from "./adapters/index.js";
import { type StepObserver, StepRunner } from "./step.js";
import { chain, fanOut, lattice, productFlow, type Workload, withPromises } from "./workloads.js";

/** Records the order of step events and the most steps ever running at once. */
function recordSteps(): StepObserver & { events: [string, string][]; mostRunning: number } {
  let running = 0;
  const log = {
    events: [] as [string, string][],
    mostRunning: 0,
    started(id: string) {
      log.events.push(["start", id]);
      running++;
      log.mostRunning = Math.max(log.mostRunning, running);
    },
    finished(id: string) {
      log.events.push(["finish", id]);
      running--;
    },
  };
  return log;
}

/** Every stepped node started once, and only after each stepped node it depends on had finished. */
function expectDependencyOrder(workload: Workload, events: readonly [string, string][], stepsPerRun: number) {
  const starts = events.filter(([kind]) => kind === "start").map(([, id]) => id);
  expect(starts).toHaveLength(stepsPerRun);
  expect(new Set(starts).size).toBe(stepsPerRun);
  const stepped = new Set(starts);
  const finished = new Set<string>();
  for (const [kind, id] of events) {
    if (kind === "finish") {
      finished.add(id);
      continue;
    }
    const node = workload.nodes.find((candidate) => candidate.id === id)!;
    const early = node.dependsOn.filter((dependency) => stepped.has(dependency) && !finished.has(dependency));
    expect(early, `${id} started before its dependencies`).toEqual([]);
  }
}

const workloads = [
  chain(20),
  fanOut(5, 1),
  lattice(3, 4, 1, 2),
  productFlow(1),
  withPromises(chain(20)),
  withPromises(lattice(3, 4, 1, 2)),
];

describe.each(adapterNames)("the %s adapter", (name) => {
  it.each(workloads.map((workload) => [workload.name, workload] as const))(
    "runs every node of %s once, in dependency order, twice in a row",
    async (_, workload) => {
      const adapter = await loadAdapter(name);
      const log = recordSteps();
      const options = { concurrency: Number.POSITIVE_INFINITY, step: new StepRunner(log) };
      if (adapter.unsupported?.(workload, options)) return;
      const prepared = await adapter.prepare(workload, options);
      expect(prepared.stepsPerRun).toBeGreaterThan(0);
      for (let run = 0; run < 2; run++) {
        log.events.length = 0;
        await prepared.run();
        expectDependencyOrder(workload, log.events, prepared.stepsPerRun);
      }
    },
  );

  it("keeps to a concurrency limit, or says it has none", async () => {
    const adapter = await loadAdapter(name);
    const workload = fanOut(6, 1);
    const log = recordSteps();
    const options = { concurrency: 2, step: new StepRunner(log) };
    if (adapter.unsupported?.(workload, options)) return;
    await (await adapter.prepare(workload, options)).run();
    expect(log.mostRunning).toBeLessThanOrEqual(2);
    expectDependencyOrder(workload, log.events, workload.nodes.length);
  });
});
