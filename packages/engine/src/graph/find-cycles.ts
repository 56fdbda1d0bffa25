import { alg, type Graph } from "@dagrejs/graphlib";

/**
 * Every cycle of the graph, each as the ordered list of its nodes (`[a, b, c]` for a → b → c → a).
 * One cycle is named per strongly connected component.
 */
export function findCycles(graph: Graph): string[][] {
  return alg.findCycles(graph).map((component) => orderCycle(graph, component));
}

/** Walks a strongly connected component to list one cycle through it in edge order. */
function orderCycle(graph: Graph, component: string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  if (component.length === 1) return [start];
  // Depth-first search from `start` inside the component until an edge leads back to it.
  const path: string[] = [start];
  const visited = new Set([start]);
  const walk = (node: string): boolean => {
    for (const next of (graph.successors(node) ?? []).sort()) {
      if (!members.has(next)) continue;
      if (next === start) return true;
      if (visited.has(next)) continue;
      visited.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  walk(start);
  return path;
}
