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

/**
 * graphlib keeps nodes and edges in plain objects keyed by node name, where an id such as
 * `__proto__`, `constructor` or `toString` would meet Object.prototype: every id goes in with
 * this prefix, which no Object.prototype property starts with.
 */
const GRAPH_KEY_PREFIX = "#";

/** The key of the node with this id in a flow's graph: `graph.node(graphKey("answer"))`. */
export function graphKey(id: string): string {
  return GRAPH_KEY_PREFIX + id;
}

/** The node id a graph key stands for (`edge.v`, `edge.w`, `graph.nodes()`). */
export function idOfGraphKey(key: string): string {
  return key.slice(GRAPH_KEY_PREFIX.length);
}

/**
 * Builds the flow's DAG: one graph node per flow node, one edge per dependency (labels merged).
 * Nodes are keyed by `graphKey(id)`; each node's label carries its id.
 */
export function buildGraph(nodes: readonly GraphNodeLabel[], dependencies: readonly Dependency[]): Graph {
  const graph = new Graph({ directed: true, multigraph: false });
  for (const node of nodes) graph.setNode(graphKey(node.id), node);
  for (const { from, to, label } of dependencies) {
    const existing = graph.edge(graphKey(from), graphKey(to)) as EdgeLabel | undefined;
    if (existing) {
      if (!existing.labels.includes(label)) existing.labels.push(label);
    } else {
      graph.setEdge(graphKey(from), graphKey(to), { labels: [label] } satisfies EdgeLabel);
    }
  }
  return graph;
}
