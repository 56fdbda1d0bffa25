import { type DependencyList, PGraph, type PGraphNodeRecord } from "p-graph";
import type { Workload } from "../workloads.js";
import type { Adapter, PreparedWorkload, RunOptions } from "./adapter.js";

/**
 * p-graph as its README shows it: a record of nodes with their `run` functions, a list of
 * `[before, after]` tuples, one `PGraph` built once and `run({ concurrency })` per run.
 */
export const pGraphAdapter: Adapter = {
  name: "p-graph",
  prepare(workload: Workload, { concurrency, step }: RunOptions): PreparedWorkload {
    const nodeMap: PGraphNodeRecord = {};
    const dependencies: DependencyList = [];
    // A promise workload passes data as a p-graph user would: outputs in a map the nodes read.
    const outputs = new Map<string, unknown>();
    for (const node of workload.nodes) {
      nodeMap[node.id] = {
        run: workload.promises
          ? () =>
              step
                .runAsync(
                  node.id,
                  node.delayMs,
                  node.dependsOn.map((id) => outputs.get(id)),
                )
                .then((output) => {
                  outputs.set(node.id, output);
                })
          : () => step.run(node.id, node.delayMs),
      };
      for (const dependency of node.dependsOn) dependencies.push([dependency, node.id]);
    }
    const graph = new PGraph(nodeMap, dependencies);
    // p-graph treats an absent concurrency as "no limit".
    const options = Number.isFinite(concurrency) ? { concurrency } : {};
    return { run: () => graph.run(options), stepsPerRun: workload.nodes.length };
  },
};
