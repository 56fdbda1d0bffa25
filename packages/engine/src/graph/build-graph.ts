import { Graph } from "@dagrejs/graphlib";

/** What flows along an edge, for `weft graph` labels. */
export interface EdgeLabel {
  /** e.g. `output.content`, `vars.endpoint`, `dependsOn`, `connection: vars.customerConnection`. */
  labels: string[];
}

/** Node data kept on the graph. */
export interface GraphNodeLabel {
  id: string;
  type: string;
  title?: string;
}

/** A dependency from one node to another, and why it exists. */
export interface Dependency {
  from: string;
  to: string;
  label: string;
}

/** Builds the flow's DAG: one graph node per flow node, one edge per dependency (labels merged). */
export function buildGraph(nodes: readonly GraphNodeLabel[], dependencies: readonly Dependency[]): Graph {
  const graph = new Graph({ directed: true, multigraph: false });
  for (const node of nodes) graph.setNode(node.id, node);
  for (const { from, to, label } of dependencies) {
    const existing = graph.edge(from, to) as EdgeLabel | undefined;
    if (existing) {
      if (!existing.labels.includes(label)) existing.labels.push(label);
    } else {
      graph.setEdge(from, to, { labels: [label] } satisfies EdgeLabel);
    }
  }
  return graph;
}
