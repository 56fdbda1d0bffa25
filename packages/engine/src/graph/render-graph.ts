import { type EdgeLabel, type GraphNodeLabel, graphKey, idOfGraphKey } from "./build-graph.js";
import type { CompiledFlow } from "./compile-flow.js";

/** Picture-source formats `renderGraph` writes. */
export type GraphFormat = "mermaid" | "dot";

/**
 * The flow's DAG as Mermaid or Graphviz source: node titles and types, edges labelled with what
 * flows along them (`output.content`, `vars.endpoint`, `connection: vars.customerConnection`).
 */
export function renderGraph(flow: CompiledFlow, format: GraphFormat = "mermaid"): string {
  const { graph } = flow;
  const ids = new Map(flow.nodes.map((node, index) => [node.id, `n${index}`]));
  const nodes = flow.nodes.map((node) => graph.node(graphKey(node.id)) as GraphNodeLabel);
  const edges = graph.edges().map((edge) => ({
    from: idOfGraphKey(edge.v),
    to: idOfGraphKey(edge.w),
    label: (graph.edge(edge) as EdgeLabel).labels.join(", "),
  }));
  if (format === "dot") {
    const quote = (text: string) =>
      `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
    const lines = [
      `digraph ${quote(flow.flow.name ?? "flow")} {`,
      "  rankdir=TB;",
      '  node [shape=box, fontname="sans-serif"];',
    ];
    for (const node of nodes) {
      const title = node.title ? `${node.title}\n` : "";
      lines.push(`  ${quote(node.id)} [label=${quote(`${title}${node.id} (${node.type})`)}];`);
    }
    for (const edge of edges)
      lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [label=${quote(edge.label)}];`);
    lines.push("}");
    return `${lines.join("\n")}\n`;
  }
  const escapeMermaid = (text: string) => text.replace(/"/g, "#quot;").replace(/\|/g, "#124;");
  const lines = ["flowchart TD"];
  for (const node of nodes) {
    const title = node.title ? `${escapeMermaid(node.title)}<br/>` : "";
    lines.push(
      `  ${ids.get(node.id)}["${title}<b>${escapeMermaid(node.id)}</b><br/><i>${escapeMermaid(node.type)}</i>"]`,
    );
  }
  for (const edge of edges) {
    const arrow = edge.label === "dependsOn" ? "-.->" : "-->";
    lines.push(`  ${ids.get(edge.from)} ${arrow}|"${escapeMermaid(edge.label)}"| ${ids.get(edge.to)}`);
  }
  return `${lines.join("\n")}\n`;
}
