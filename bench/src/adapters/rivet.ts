import {
  type ChartNode,
  coreRunGraph,
  type GraphId,
  type NodeConnection,
  type NodeGraph,
  type NodeId,
  type NodeInputDefinition,
  NodeRegistration,
  type Outputs,
  type PluginNodeImpl,
  type PortId,
  type Project,
  type ProjectId,
  pluginNodeDefinition,
  type RivetPlugin,
} from "@ironclad/rivet-core";
import type { Workload } from "../workloads.js";
import type { Adapter, PreparedWorkload, RunOptions } from "./adapter.js";

/** The data of a bench step node, edited in Rivet's UI if it were a real plugin. */
interface StepNodeData {
  delayMs: number;
  /** One input port per dependency, like Rivet's own nodes with a configurable number of inputs. */
  inputCount: number;
}

type StepNode = ChartNode<"benchStep", StepNodeData>;

const graphId = "bench" as GraphId;
const donePort = "done" as PortId;
const inputPort = (index: number) => `after${index}` as PortId;

/** A plugin node type, written as Rivet's plugin guide shows: a `PluginNodeImpl` object. */
function createStepNodeImpl({ step }: RunOptions): PluginNodeImpl<StepNode> {
  return {
    create: () => ({
      id: "benchStep" as NodeId,
      type: "benchStep",
      title: "Bench step",
      visualData: { x: 0, y: 0, width: 200 },
      data: { delayMs: 0, inputCount: 0 },
    }),
    getInputDefinitions: (data) =>
      Array.from(
        { length: data.inputCount },
        (_, index): NodeInputDefinition => ({
          id: inputPort(index),
          title: `After ${index + 1}`,
          dataType: "any",
          required: true,
        }),
      ),
    getOutputDefinitions: () => [{ id: donePort, title: "Done", dataType: "number" }],
    getEditors: () => [{ type: "number", label: "Delay (ms)", dataKey: "delayMs" }],
    getBody: (data) => `${data.delayMs} ms`,
    getUIData: () => ({ contextMenuTitle: "Bench step", group: "Bench" }),
    async process(data, _inputs, context): Promise<Outputs> {
      const pending = step.run(context.node.id, data.delayMs);
      if (pending) await pending;
      return { [donePort]: { type: "number", value: 1 } };
    },
  };
}

function toProject(workload: Workload): Project {
  const nodes: StepNode[] = [];
  const connections: NodeConnection[] = [];
  workload.nodes.forEach((node, index) => {
    nodes.push({
      id: node.id as NodeId,
      type: "benchStep",
      title: node.id,
      visualData: { x: index * 250, y: 0 },
      data: { delayMs: node.delayMs, inputCount: node.dependsOn.length },
    });
    node.dependsOn.forEach((dependency, port) => {
      connections.push({
        outputNodeId: dependency as NodeId,
        outputId: donePort,
        inputNodeId: node.id as NodeId,
        inputId: inputPort(port),
      });
    });
  });
  const graph: NodeGraph = { metadata: { id: graphId, name: workload.name }, nodes, connections };
  return {
    metadata: { id: "bench" as ProjectId, title: "bench", description: "", mainGraphId: graphId },
    graphs: { [graphId]: graph } as Record<GraphId, NodeGraph>,
  };
}

/**
 * Rivet as an embedding app uses it: a `Project` built in code, one plugin node type registered in
 * a registry of its own (not the global one; the graph uses no built-in node), and `coreRunGraph` per run, which makes a
 * `GraphProcessor` for it. Rivet walks the graph backwards from its outputs recursively, so long
 * chains need a large stack (`node --stack-size`); when the stack runs out, the run resolves
 * without having run every node, which the harness's step count catches.
 */
export const rivetAdapter: Adapter = {
  name: "rivet",
  unsupported(workload, { concurrency }) {
    if (workload.promises) return "W8 compares the ready-queue schedulers (floor, p-graph)";
    return Number.isFinite(concurrency)
      ? "GraphProcessor has no concurrency limit: its queue is unbounded"
      : undefined;
  },
  prepare(workload: Workload, options: RunOptions): PreparedWorkload {
    const plugin: RivetPlugin = {
      id: "weft-bench",
      name: "Bench",
      register: (register) => register(pluginNodeDefinition(createStepNodeImpl(options), "Bench step")),
    };
    const registry = new NodeRegistration();
    registry.registerPlugin(plugin);
    const project = toProject(workload);
    return {
      stepsPerRun: workload.nodes.length,
      async run() {
        await coreRunGraph(project, { registry, graph: graphId });
      },
    };
  },
};
