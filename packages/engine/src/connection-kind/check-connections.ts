import { echo } from "../flow/echo.js";
import type { CompiledFlow, CompiledNode } from "../graph/compile-flow.js";
import { MAX_SUGGESTED_NAMES } from "../limits.js";
import type { ConnectionProvider } from "./provider.js";
import { describeUnknownConnection } from "./unknown-connection.js";

/** A static connection a flow names that its provider does not have, found before a run. */
export interface ConnectionProblem {
  /**
   * `error`: a node relies on it, so the run would fail there. `warning`: it only backs up a
   * `dynamicConnection`, so the run fails only if that resolves to nothing.
   */
  severity: "error" | "warning";
  /** The code of the error the run would fail with. */
  code: "connection.unknown";
  /** The connection name, as the flow gives it. */
  name: string;
  /** The nodes that name it, in flow order. */
  nodeIds: string[];
  /** One line: the name, the nodes, and the closest known names. Never a secret. */
  message: string;
}

/**
 * Looks up every static connection a flow names, once each, and lists the ones the provider does
 * not have: errors first, then warnings, each in the order the flow first names them. Empty when
 * every name resolves (or the flow names none).
 */
export async function checkConnections(
  flow: CompiledFlow,
  provider: ConnectionProvider | undefined,
): Promise<ConnectionProblem[]> {
  const missing = new Map<string, CompiledNode[]>();
  const found = new Set<string>();
  for (const node of flow.nodes) {
    const name = node.definition.connection;
    if (name === undefined || found.has(name)) continue;
    const users = missing.get(name);
    if (users) users.push(node);
    else if (provider !== undefined && (await provider.get(name)) !== undefined) found.add(name);
    else missing.set(name, [node]);
  }
  if (missing.size === 0) return [];
  const known = (await provider?.list?.()) ?? [];
  const problems: ConnectionProblem[] = [];
  for (const [name, nodes] of missing) {
    const required = nodes.filter((node) => node.dynamicConnection === undefined);
    const severity = required.length > 0 ? "error" : "warning";
    const note =
      severity === "error"
        ? `named by ${listNodes(required)}`
        : `the fallback of ${listNodes(nodes)}: the run fails only if the dynamicConnection resolves to nothing`;
    problems.push({
      severity,
      code: "connection.unknown",
      name,
      nodeIds: nodes.map((node) => node.id),
      message: describeUnknownConnection(name, known, note),
    });
  }
  return problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}

/** `node "a"`, `nodes "a", "b"`, or `nodes "a", "b", "c" and 7 more`. */
function listNodes(nodes: readonly CompiledNode[]): string {
  const shown = nodes.slice(0, MAX_SUGGESTED_NAMES).map((node) => echo(node.id));
  const more = nodes.length > shown.length ? ` and ${nodes.length - shown.length} more` : "";
  return `${nodes.length === 1 ? "node" : "nodes"} ${shown.join(", ")}${more}`;
}
