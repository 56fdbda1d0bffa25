import { echo } from "../flow/echo.js";
import type { CompiledNode } from "./compile-flow.js";

/** The state of a node while a run goes on. */
export type NodeState = "pending" | "queued" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

/**
 * Why a node whose dependencies have all ended must be skipped, or `undefined` if it may run.
 * Data read from a skipped or failed node skips the node; `dependsOn` and `dynamicConnection`
 * only order it (a dynamic connection from a skipped branch resolves to nothing instead).
 */
export function findSkipReason(
  node: CompiledNode,
  states: readonly NodeState[],
  nodes: readonly CompiledNode[],
): string | undefined {
  for (const dependency of node.dataDependencies) {
    const state = states[dependency];
    if (state !== "succeeded")
      return `${echo(nodes[dependency]!.id)} ${state === "failed" ? "failed" : "was skipped"}`;
  }
  return undefined;
}
