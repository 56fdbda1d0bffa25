import type { Workload } from "../workloads.js";
import type { Adapter, PreparedWorkload, RunOptions } from "./adapter.js";

/**
 * The least a scheduler can do: in-degree counters over integer indices, a ready queue, a node
 * started the moment its last dependency finishes, and an optional limit on how many run at once.
 * Synchronous steps complete in the same loop, so a chain costs no promise per node. In a promise
 * workload a node gets its dependencies' outputs in an array and its output is kept by index.
 */
export const floorAdapter: Adapter = {
  name: "floor",
  prepare(workload: Workload, { concurrency, step }: RunOptions): PreparedWorkload {
    const { nodes } = workload;
    const indexById = new Map(nodes.map((node, index) => [node.id, index]));
    const inDegree = Int32Array.from(nodes, (node) => node.dependsOn.length);
    const dependents: number[][] = nodes.map(() => []);
    nodes.forEach((node, index) => {
      for (const dependency of node.dependsOn) dependents[indexById.get(dependency)!]!.push(index);
    });
    const dependencies = nodes.map((node) => node.dependsOn.map((id) => indexById.get(id)!));
    const roots = nodes.flatMap((node, index) => (node.dependsOn.length === 0 ? [index] : []));

    const run = () =>
      new Promise<void>((resolve, reject) => {
        const remaining = inDegree.slice();
        const outputs: unknown[] = workload.promises ? new Array(nodes.length) : [];
        const ready = roots.slice();
        let readyHead = 0;
        let running = 0;
        let finished = 0;
        let pumping = false;

        const complete = (index: number) => {
          finished++;
          for (const dependent of dependents[index]!) {
            if (--remaining[dependent]! === 0) ready.push(dependent);
          }
        };
        const pump = () => {
          if (pumping) return;
          pumping = true;
          while (readyHead < ready.length && running < concurrency) {
            const index = ready[readyHead++]!;
            const node = nodes[index]!;
            const pending = workload.promises
              ? step.runAsync(
                  node.id,
                  node.delayMs,
                  dependencies[index]!.map((dependency) => outputs[dependency]),
                )
              : step.run(node.id, node.delayMs);
            if (pending === undefined) {
              complete(index);
              continue;
            }
            running++;
            pending.then((output) => {
              outputs[index] = output;
              running--;
              complete(index);
              pump();
            }, reject);
          }
          pumping = false;
          if (finished === nodes.length) resolve();
        };
        pump();
      });

    return { run, stepsPerRun: nodes.length };
  },
};
