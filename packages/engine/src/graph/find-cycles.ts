import type { Graph } from "@dagrejs/graphlib";
import { echo } from "../flow/echo.js";
import type { ReportIssue } from "../flow/issues.js";
import { idOfGraphKey } from "./build-graph.js";

/** Reports every cycle of the flow's graph, naming its nodes in order. */
export function reportCycles(
  graph: Graph,
  indexById: ReadonlyMap<string, number>,
  report: ReportIssue,
): void {
  for (const cycle of findCycles(graph)) {
    const first = cycle[0]!;
    report({
      code: "flow.cycle",
      message:
        cycle.length === 1
          ? `node "${first}" depends on itself`
          : `cycle between nodes: ${describeCycle(cycle)}`,
      path: `nodes[${indexById.get(first)}]`,
      nodeId: first,
    });
  }
}

/** `"a" → "b" → "a"`; long cycles keep their first and last steps around a count of the rest. */
function describeCycle(cycle: readonly string[]): string {
  const quoted = [...cycle, cycle[0]!].map(echo);
  if (quoted.length <= 12) return quoted.join(" → ");
  return [...quoted.slice(0, 5), `… ${quoted.length - 10} more …`, ...quoted.slice(-5)].join(" → ");
}

/**
 * Every cycle of a graph made by `buildGraph`, each as the ordered list of its node ids (`[a, b, c]`
 * for a → b → c → a): one per strongly connected component, starting from its first id
 * alphabetically.
 *
 * Both steps use explicit stacks, not recursion: a flow of many thousands of nodes in a chain
 * must validate without overflowing the call stack (graphlib's own `findCycles` recurses).
 */
export function findCycles(graph: Graph): string[][] {
  const successors = (node: string) => graph.successors(node) ?? [];
  return stronglyConnectedComponents(graph.nodes(), successors)
    .filter((component) => component.length > 1 || graph.hasEdge(component[0]!, component[0]!))
    .map((component) => orderCycle(component, successors).map(idOfGraphKey));
}

/** Tarjan's algorithm, iterative. */
export function stronglyConnectedComponents(
  nodes: readonly string[],
  successors: (node: string) => string[],
): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const work: Array<{ node: string; next: string[]; position: number }> = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    work.push({ node, next: successors(node), position: 0 });
  };
  for (const root of nodes) {
    if (index.has(root)) continue;
    visit(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      if (frame.position < frame.next.length) {
        const next = frame.next[frame.position++]!;
        if (!index.has(next)) visit(next);
        else if (onStack.has(next)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** One cycle through a strongly connected component, in edge order, found depth first. */
function orderCycle(component: string[], successors: (node: string) => string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  if (component.length === 1) return [start];
  const sortedSuccessors = (node: string) =>
    successors(node)
      .filter((next) => members.has(next))
      .sort();
  const path = [start];
  const pending = [sortedSuccessors(start)];
  const visited = new Set([start]);
  while (path.length > 0) {
    const next = pending[pending.length - 1]!.shift();
    if (next === undefined) {
      path.pop();
      pending.pop();
    } else if (next === start) {
      return path;
    } else if (!visited.has(next)) {
      visited.add(next);
      path.push(next);
      pending.push(sortedSuccessors(next));
    }
  }
  return [start];
}
