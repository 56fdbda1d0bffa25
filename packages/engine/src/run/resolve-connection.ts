import type { ConnectionKinds } from "../connection-kind/connection-kinds.js";
import type { Connection } from "../connection-kind/define-connection-kind.js";
import type { ConnectionProvider } from "../connection-kind/provider.js";
import { unknownConnectionError } from "../connection-kind/unknown-connection.js";
import { FlowError } from "../errors/flow-error.js";
import { clip, echo } from "../flow/echo.js";
import type { Reference } from "../flow/references.js";
import type { CompiledNode } from "../graph/compile-flow.js";
import type { ResolvedConnection } from "../node-type/define-node-type.js";

/** What the override rule reads: the run's references, the static provider and the kinds. */
export interface ConnectionSources {
  readonly connectionKinds: ConnectionKinds;
  readonly connections: ConnectionProvider | undefined;
  /** The run's references: `resolve` gives `undefined` when a writer was skipped, `whySkipped` says ` (…)` why. */
  readonly scope: {
    resolve(reference: Reference): unknown;
    whySkipped(reference: Reference): string;
  };
}

/**
 * The override rule: a `dynamicConnection` that resolves to a connection wins; one that resolves
 * to nothing (its writer was skipped) falls back to the static `connection`; neither is an error
 * naming both. Either is checked against its kind, whatever the kind. A dynamic connection is
 * resolved at once (no promise to wait for); a static one asks the provider.
 */
export function resolveConnection(
  node: CompiledNode,
  sources: ConnectionSources,
): ResolvedConnection | Promise<ResolvedConnection> {
  const { dynamicConnection, definition } = node;
  const kinds = sources.connectionKinds;
  let dynamicNote = "";
  if (dynamicConnection) {
    const value = sources.scope.resolve(dynamicConnection);
    if (value !== undefined && value !== null) {
      const checked = kinds.check(value);
      if (checked.problem !== undefined) {
        throw invalidConnection(
          node,
          `dynamicConnection ${clip(dynamicConnection.source)} is not a connection`,
          checked.problem,
        );
      }
      const connection = checked.connection;
      const { name } = connection;
      const label = kinds.label(connection);
      return name ? { connection, source: "dynamic", name, label } : { connection, source: "dynamic", label };
    }
    dynamicNote = `dynamicConnection ${clip(dynamicConnection.source)} resolved to nothing${sources.scope.whySkipped(dynamicConnection)}`;
  }
  if (definition.connection !== undefined)
    return resolveStatic(node, definition.connection, dynamicNote, sources);
  throw new FlowError(
    "connection.missing",
    `no connection for node "${node.id}": ${dynamicNote || "no dynamicConnection is set"}, and no static "connection" is set`,
    { nodeId: node.id },
  );
}

/**
 * The static `connection` named `name`, from the app's provider, checked against its kind. Without
 * a promise when the provider answers without one (an app's in-memory connections): this runs for
 * every request, and each promise step costs one.
 */
function resolveStatic(
  node: CompiledNode,
  name: string,
  dynamicNote: string,
  sources: ConnectionSources,
): ResolvedConnection | Promise<ResolvedConnection> {
  const found = sources.connections?.get(name);
  // Any thenable, as `await` would take it.
  return typeof (found as PromiseLike<unknown> | undefined)?.then === "function"
    ? Promise.resolve(found).then((connection) => checkStatic(node, name, dynamicNote, sources, connection))
    : checkStatic(node, name, dynamicNote, sources, found as Connection | undefined);
}

function checkStatic(
  node: CompiledNode,
  name: string,
  dynamicNote: string,
  sources: ConnectionSources,
  found: Connection | undefined,
): ResolvedConnection | Promise<ResolvedConnection> {
  if (!found) return unknownStatic(node, name, dynamicNote, sources);
  const kinds = sources.connectionKinds;
  // An app's provider may give secret fields as plain strings: they are wrapped here.
  const checked = kinds.check(found, { wrapSecrets: true });
  if (checked.problem !== undefined)
    throw invalidConnection(node, `connection ${echo(name)}`, checked.problem);
  const { connection } = checked;
  return { connection, source: "static", name, label: kinds.label(connection) };
}

async function unknownStatic(
  node: CompiledNode,
  name: string,
  dynamicNote: string,
  sources: ConnectionSources,
): Promise<never> {
  const known = (await sources.connections?.list?.()) ?? [];
  throw unknownConnectionError(name, known, {
    ...(dynamicNote ? { note: `and ${dynamicNote}` } : {}),
    nodeId: node.id,
  });
}

/**
 * `ConnectionKinds.parse`'s error, its subject (which quotes user text) built only for a value
 * that is no connection: resolving runs for every request, and its connection is valid.
 */
function invalidConnection(node: CompiledNode, subject: string, problem: string): FlowError {
  return new FlowError("connection.invalid", `${subject}: ${problem}`, { nodeId: node.id });
}
