import type { ConnectionKinds } from "../connection-kind/connection-kinds.js";
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
  /** The value of a reference in the run's scope (`undefined` when its writer was skipped). */
  resolve(reference: Reference): unknown;
  /** Why a reference resolved to nothing, as ` (…)` or an empty string. */
  whySkipped(reference: Reference): string;
}

/**
 * The override rule: a `dynamicConnection` that resolves to a connection wins; one that resolves
 * to nothing (its writer was skipped) falls back to the static `connection`; neither is an error
 * naming both. Either is checked against its kind, whatever the kind.
 */
export async function resolveConnection(
  node: CompiledNode,
  sources: ConnectionSources,
): Promise<ResolvedConnection> {
  const { dynamicConnection, definition } = node;
  const kinds = sources.connectionKinds;
  let dynamicNote = "";
  if (dynamicConnection) {
    const value = sources.resolve(dynamicConnection);
    if (value !== undefined && value !== null) {
      const connection = kinds.parse(value, {
        nodeId: node.id,
        subject: `dynamicConnection ${clip(dynamicConnection.source)} is not a connection`,
      });
      return {
        connection,
        source: "dynamic",
        ...(connection.name ? { name: connection.name } : {}),
        label: kinds.label(connection),
      };
    }
    dynamicNote = `dynamicConnection ${clip(dynamicConnection.source)} resolved to nothing${sources.whySkipped(dynamicConnection)}`;
  }
  if (definition.connection !== undefined) {
    const name = definition.connection;
    const provider = sources.connections;
    const found = provider ? await provider.get(name) : undefined;
    if (!found) {
      const known = (await provider?.list?.()) ?? [];
      throw unknownConnectionError(name, known, {
        ...(dynamicNote ? { note: `and ${dynamicNote}` } : {}),
        nodeId: node.id,
      });
    }
    // An app's provider may give secret fields as plain strings: they are wrapped here.
    const connection = kinds.parse(found, {
      nodeId: node.id,
      subject: `connection ${echo(name)}`,
      wrapSecrets: true,
    });
    return { connection, source: "static", name, label: kinds.label(connection) };
  }
  throw new FlowError(
    "connection.missing",
    `no connection for node "${node.id}": ${dynamicNote || "no dynamicConnection is set"}, and no static "connection" is set`,
    { nodeId: node.id },
  );
}
