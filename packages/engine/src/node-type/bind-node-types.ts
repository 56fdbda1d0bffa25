import type { AnyConnectionKind } from "../connection-kind/define-connection-kind.js";
import type { AnyNodeType } from "./define-node-type.js";

/**
 * The connection kinds an engine registers: those given, then those the node types bring (each
 * once: a kind that several node types read is the same value).
 */
export function registeredConnectionKinds(
  kinds: readonly AnyConnectionKind[],
  nodeTypes: readonly AnyNodeType[],
): AnyConnectionKind[] {
  const all = new Set(kinds);
  for (const nodeType of nodeTypes) for (const kind of nodeType.connectionKinds ?? []) all.add(kind);
  return [...all];
}

/**
 * The node types as an engine registers them, given its connection kinds (and those the node
 * types bring): a node type with `forConnectionKinds` (`create-connection`, whose inputs are any
 * kind's fields) is replaced by the one it builds for them. `weft schema` describes these.
 */
export function bindNodeTypes(
  nodeTypes: readonly AnyNodeType[],
  connectionKinds: readonly AnyConnectionKind[] = [],
): AnyNodeType[] {
  if (!nodeTypes.some((nodeType) => nodeType.forConnectionKinds)) return [...nodeTypes];
  const kinds = registeredConnectionKinds(connectionKinds, nodeTypes);
  return nodeTypes.map((nodeType) => nodeType.forConnectionKinds?.(kinds) ?? nodeType);
}
