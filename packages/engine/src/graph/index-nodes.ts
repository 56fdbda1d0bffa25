import { expectedOneOf } from "../flow/closest-names.js";
import { echo } from "../flow/echo.js";
import type { ReportIssue } from "../flow/issues.js";
import type { Flow } from "../flow/schema.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";
import type { NodeTypeRegistry } from "../node-type/registry.js";

/** Each node id's index in the flow; a second node with the same id is an issue. */
export function indexNodes(flow: Flow, report: ReportIssue): Map<string, number> {
  const indexById = new Map<string, number>();
  flow.nodes.forEach((node, index) => {
    if (indexById.has(node.id)) {
      report({
        code: "flow.duplicate-node-id",
        message: `duplicate node id ${echo(node.id)}: also used by nodes[${indexById.get(node.id)}]`,
        path: `nodes[${index}].id`,
        nodeId: node.id,
      });
    } else {
      indexById.set(node.id, index);
    }
  });
  return indexById;
}

/** Each node's type, by node index; `undefined` (and an issue) where the type is not registered. */
export function lookUpNodeTypes(flow: Flow, registry: NodeTypeRegistry, report: ReportIssue) {
  return flow.nodes.map((node, index): AnyNodeType | undefined => {
    const nodeType = registry.get(node.type);
    if (!nodeType) {
      report(() => ({
        code: "flow.unknown-node-type",
        message: `unknown node type ${echo(node.type)}: ${expectedOneOf(node.type, registry.names(), "node types", "(no node types are registered)")}`,
        path: `nodes[${index}].type`,
        nodeId: node.id,
      }));
    }
    return nodeType;
  });
}
