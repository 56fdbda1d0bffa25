import type { Workload } from "./workloads.js";

/**
 * The makespan of a scheduler with no overhead at all: nodes start the instant their dependencies
 * are done, at most `concurrency` at a time, first ready first started. With unlimited concurrency
 * this is exactly the critical path (the longest chain of delays); for a fan-out of `n` equal calls
 * of `d` ms at concurrency `c` it is ⌈n/c⌉·d. Measured makespans are divided by it.
 */
export function idealMakespanMs(workload: Workload, concurrency = Number.POSITIVE_INFINITY): number {
  const { nodes } = workload;
  const indexById = new Map(nodes.map((node, index) => [node.id, index]));
  const remaining = nodes.map((node) => node.dependsOn.length);
  const dependents: number[][] = nodes.map(() => []);
  nodes.forEach((node, index) => {
    for (const dependency of node.dependsOn) dependents[indexById.get(dependency)!]!.push(index);
  });

  const ready = nodes.flatMap((node, index) => (node.dependsOn.length === 0 ? [index] : []));
  let readHead = 0;
  let running: { index: number; endsAt: number }[] = [];
  let now = 0;
  for (;;) {
    while (readHead < ready.length && running.length < concurrency) {
      const index = ready[readHead++]!;
      running.push({ index, endsAt: now + nodes[index]!.delayMs });
    }
    if (running.length === 0) break;
    now = Math.min(...running.map((task) => task.endsAt));
    const finished = running.filter((task) => task.endsAt === now);
    running = running.filter((task) => task.endsAt !== now);
    for (const task of finished) {
      for (const dependent of dependents[task.index]!) {
        if (--remaining[dependent]! === 0) ready.push(dependent);
      }
    }
  }
  return now;
}
