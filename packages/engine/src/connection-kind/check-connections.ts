import { echo } from "../flow/echo.js";
import type { CompiledFlow, CompiledNode } from "../graph/compile-flow.js";
import { MAX_SUGGESTED_NAMES } from "../limits.js";
import type { Connection } from "./define-connection-kind.js";
import type { ConnectionProvider } from "./provider.js";
import { describeUnknownConnection } from "./unknown-connection.js";

/** A static connection a flow names that its provider does not have, found before a run. */
export interface ConnectionProblem {
  /**
   * `error`: a node relies on it, so the run would fail there. `warning`: it only backs up a
   * `dynamicConnection`, so the run fails only if that resolves to nothing.
   */
  severity: "error" | "warning";
  /**
   * The code of the error the run would fail with: `connection.unknown` for a name the provider
   * does not have, `node.input` for a node whose inputs its static connection cannot serve (the
   * node type's `checkConnection`).
   */
  code: "connection.unknown" | "node.input";
  /** The connection name, as the flow gives it. */
  name: string;
  /** The nodes that name it, in flow order. */
  nodeIds: string[];
  /** One line: the name, the nodes, and the closest known names. Never a secret. */
  message: string;
}

/**
 * Looks up every static connection a flow names, once each, and lists the ones the provider does
 * not have, then the nodes whose inputs the connection they name cannot serve: errors first, then
 * warnings, each in the order the flow first names them. Empty when every name resolves and fits
 * (or the flow names none).
 */
export async function checkConnections(
  flow: CompiledFlow,
  provider: ConnectionProvider | undefined,
): Promise<ConnectionProblem[]> {
  const missing = new Map<string, CompiledNode[]>();
  const found = new Map<string, Connection>();
  for (const node of flow.nodes) {
    const name = node.definition.connection;
    if (name === undefined || found.has(name)) continue;
    const users = missing.get(name);
    if (users) {
      users.push(node);
      continue;
    }
    const connection = provider === undefined ? undefined : await provider.get(name);
    if (connection !== undefined) found.set(name, connection);
    else missing.set(name, [node]);
  }
  const unsuitable = checkInputs(flow, found);
  if (missing.size === 0) return sortProblems(unsuitable);
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
  return sortProblems([...problems, ...unsuitable]);
}

/** Asks each node type that checks connections about the static connection its node names. */
function checkInputs(flow: CompiledFlow, found: ReadonlyMap<string, Connection>): ConnectionProblem[] {
  const problems: ConnectionProblem[] = [];
  for (const node of flow.nodes) {
    const name = node.definition.connection;
    const connection = name === undefined ? undefined : found.get(name);
    const check = node.nodeType.checkConnection;
    if (name === undefined || connection === undefined || check === undefined) continue;
    const why = check(connection, (node.definition.inputs ?? {}) as Record<string, unknown>);
    if (why === undefined) continue;
    const fallback = node.dynamicConnection !== undefined;
    problems.push({
      severity: fallback ? "warning" : "error",
      code: "node.input",
      name,
      nodeIds: [node.id],
      message:
        `node ${echo(node.id)} with connection ${echo(name)}: ${why}` +
        (fallback
          ? " (the fallback of its dynamicConnection: the run fails only if that resolves to nothing)"
          : ""),
    });
  }
  return problems;
}

/** Errors first, then warnings; the order within each kept. */
function sortProblems(problems: ConnectionProblem[]): ConnectionProblem[] {
  return problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}

/** `node "a"`, `nodes "a", "b"`, or `nodes "a", "b", "c" and 7 more`. */
function listNodes(nodes: readonly CompiledNode[]): string {
  const shown = nodes.slice(0, MAX_SUGGESTED_NAMES).map((node) => echo(node.id));
  const more = nodes.length > shown.length ? ` and ${nodes.length - shown.length} more` : "";
  return `${nodes.length === 1 ? "node" : "nodes"} ${shown.join(", ")}${more}`;
}
