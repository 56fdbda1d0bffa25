import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { sinkNodes, type Workload } from "../workloads.js";
import type { Adapter, PreparedWorkload, RunOptions } from "./adapter.js";

/** The run's state: a count of finished steps, summed by a reducer so parallel writes merge. */
const BenchState = Annotation.Root({
  steps: Annotation<number>({ reducer: (total, added) => total + added, default: () => 0 }),
});

/**
 * LangGraph as its docs show it: a `StateGraph` over an annotated state, one node per workload
 * node, an edge per dependency (`addEdge([a, b], c)` for joins, so `c` waits for both), compiled
 * once and `invoke`d per run with `maxConcurrency`. The run's `recursionLimit` is raised to the
 * number of nodes, since every step of a chain is a superstep.
 */
export const langGraphAdapter: Adapter = {
  name: "langgraph",
  unsupported(workload) {
    return workload.promises ? "W8 compares the ready-queue schedulers (floor, p-graph)" : undefined;
  },
  prepare(workload: Workload, { concurrency, step }: RunOptions): PreparedWorkload {
    // Node names are only known at run time, so the builder is typed with string names.
    const builder = new StateGraph(BenchState) as unknown as StateGraph<
      typeof BenchState.spec,
      typeof BenchState.State,
      typeof BenchState.Update,
      string
    >;
    const oneStep = { steps: 1 };
    for (const node of workload.nodes) {
      builder.addNode(node.id, () => {
        const pending = step.run(node.id, node.delayMs);
        return pending ? pending.then(() => oneStep) : oneStep;
      });
    }
    for (const node of workload.nodes) {
      const [first, ...others] = node.dependsOn;
      if (first === undefined) builder.addEdge(START, node.id);
      else if (others.length === 0) builder.addEdge(first, node.id);
      else builder.addEdge([...node.dependsOn], node.id);
    }
    for (const sink of sinkNodes(workload)) builder.addEdge(sink.id, END);
    const graph = builder.compile();

    const config = {
      recursionLimit: workload.nodes.length + 1,
      ...(Number.isFinite(concurrency) ? { maxConcurrency: concurrency } : {}),
    };
    const expected = workload.nodes.length;
    return {
      stepsPerRun: expected,
      async run() {
        const state = await graph.invoke({}, config);
        if (state.steps !== expected) throw new Error(`state counted ${state.steps} of ${expected} steps`);
      },
    };
  },
};
