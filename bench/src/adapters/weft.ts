import {
  type AnyNodeType,
  type CompiledFlow,
  createEngine,
  defineNodeType,
  type Engine,
  type FlowDefinition,
  type FlowNode,
  type RunResult,
} from "@weft/engine";
import { builtinNodeTypes } from "@weft/nodes";
import { z } from "zod";
import type { StepRunner } from "../step.js";
import type { Workload, WorkloadNode } from "../workloads.js";
import type { Adapter, PreparedWorkload, RunOptions } from "./adapter.js";

/** Inputs of the product flow: where the customer's endpoint is and its key. */
const productInputs = {
  endpoint: "https://bench.services.ai.azure.com/models",
  key: "test-key-bench",
};

function benchStep(step: StepRunner) {
  return defineNodeType({
    type: "bench-step",
    description: "Waits `delayMs` on a timer like a model call would, or returns at once when it is 0.",
    input: z.object({ delayMs: z.number() }),
    run: (input, context) => {
      const pending = step.run(context.nodeId, input.delayMs);
      return pending ? pending.then(() => 1) : 1;
    },
  });
}

/**
 * A node as most users write one: an async function whose inputs come from other nodes by
 * reference. `run` returns the step's own promise, as the floor and p-graph call the same async
 * step (an `async` wrapper around it would cost Weft's column a second async call per node that
 * the floor does not make).
 */
function benchAsync(step: StepRunner) {
  return defineNodeType({
    type: "bench-async",
    description: "Waits `delayMs` on a timer, if above 0, and returns how many outputs it was given.",
    input: z.object({ delayMs: z.number(), after: z.array(z.unknown()) }),
    run: (input, context) => step.runAsync(context.nodeId, input.delayMs, input.after),
  });
}

/** A chat step that resolves its connection like `chat-completion` does, then simulates the call. */
function benchChat(step: StepRunner) {
  return defineNodeType({
    type: "bench-chat",
    description:
      "Resolves its connection, then waits `delayMs` under the connection's slot, like a model call.",
    input: z.object({ delayMs: z.number() }),
    usesConnection: true,
    run: async (input, context) => {
      const connection = await context.connection();
      await connection.call(async () => step.run(context.nodeId, input.delayMs));
      return { content: "ok" };
    },
  });
}

function toStepNode(node: WorkloadNode): FlowNode {
  return {
    id: node.id,
    type: "bench-step",
    inputs: { delayMs: node.delayMs },
    ...(node.dependsOn.length > 0 ? { dependsOn: [...node.dependsOn] } : {}),
  };
}

/** A node of a promise workload: its order comes from the `${nodes.<id>.output}` references it reads. */
function toAsyncNode(node: WorkloadNode): FlowNode {
  return {
    id: node.id,
    type: "bench-async",
    inputs: { delayMs: node.delayMs, after: node.dependsOn.map((id) => `\${nodes.${id}.output}`) },
  };
}

/** The product flow with the real first two node types; its order comes from the variables read. */
function toProductNode(node: WorkloadNode): FlowNode {
  switch (node.productRole) {
    case "declare-variable":
      return {
        id: node.id,
        type: "declare-variable",
        inputs: { name: "endpoint", value: "${inputs.endpoint}" },
      };
    case "create-connection":
      return {
        id: node.id,
        type: "create-azure-ai-connection",
        inputs: { apiKey: "${inputs.key}", endpoint: "${vars.endpoint}", variable: "conn" },
      };
    case "chat":
      return {
        id: node.id,
        type: "bench-chat",
        dynamicConnection: "${vars.conn}",
        inputs: { delayMs: node.delayMs },
      };
    default:
      return toStepNode(node);
  }
}

/** Why a run did not succeed, from its result. */
function describeFailure(result: RunResult): string {
  const failed = Object.entries(result.nodes).find(([, node]) => node.status !== "succeeded");
  const detail = failed
    ? `node ${failed[0]} ${failed[1].status}: ${failed[1].error?.message ?? failed[1].reason}`
    : "";
  return `run ${result.status}${result.error ? `: ${result.error.message}` : ""} ${detail}`.trim();
}

/**
 * Weft as an app embeds it: node types defined with `defineNodeType`, one engine, the flow
 * compiled once, `engine.run(compiled, { inputs, concurrency })` per run, and the result checked.
 * A workload with product roles uses the built-in `declare-variable` and
 * `create-azure-ai-connection` node types, and a simulated chat node on the dynamic connection.
 */
export const weftAdapter: Adapter = {
  name: "weft",
  prepare(workload: Workload, { concurrency, step }: RunOptions): PreparedWorkload {
    const product = workload.nodes.some((node) => node.productRole);
    const nodeTypes: AnyNodeType[] = [
      benchStep(step),
      benchAsync(step),
      benchChat(step),
      ...builtinNodeTypes,
    ];
    const engine: Engine = createEngine({ nodeTypes });
    const flow: FlowDefinition = {
      name: workload.name,
      ...(product ? { inputs: { endpoint: { type: "string" }, key: { type: "secret" } } } : {}),
      nodes: workload.nodes.map(product ? toProductNode : workload.promises ? toAsyncNode : toStepNode),
    };
    const compiled: CompiledFlow = engine.compile(flow);
    const options = { inputs: product ? productInputs : {}, concurrency };
    const stepsPerRun = product
      ? workload.nodes.filter((node) => node.productRole === "chat").length
      : workload.nodes.length;

    return {
      stepsPerRun,
      async run() {
        const result = await engine.run(compiled, options).result;
        if (result.status !== "succeeded") throw new Error(describeFailure(result));
      },
    };
  },
};
