import { describe, expect, it } from "vitest";
import { buildGraph, graphKey } from "./build-graph.js";
import { findCycles } from "./find-cycles.js";

/** A graph from `"a->b"` edge strings. */
function graphOf(nodes: string[], edges: string[]) {
  return buildGraph(
    nodes.map((id) => ({ id, type: "test" })),
    edges.map((edge) => {
      const [from, to] = edge.split("->") as [string, string];
      return { from, to, label: "test" };
    }),
  );
}

describe("findCycles", () => {
  it("finds nothing in a DAG", () => {
    expect(findCycles(graphOf(["a", "b", "c", "d"], ["a->b", "a->c", "b->d", "c->d"]))).toEqual([]);
  });

  it("lists a cycle's nodes in edge order, from the first id alphabetically", () => {
    expect(findCycles(graphOf(["c", "a", "b"], ["b->c", "c->a", "a->b"]))).toEqual([["a", "b", "c"]]);
    // Edge direction matters: the reverse cycle is listed the other way round.
    expect(findCycles(graphOf(["a", "b", "c"], ["a->c", "c->b", "b->a"]))).toEqual([["a", "c", "b"]]);
  });

  it("reports a node that depends on itself as a cycle of one", () => {
    expect(findCycles(graphOf(["a", "self"], ["a->self", "self->self"]))).toEqual([["self"]]);
  });

  it("reports each separate cycle once", () => {
    const cycles = findCycles(
      graphOf(["a", "b", "x", "y", "z"], ["a->b", "b->a", "x->y", "y->z", "z->x", "b->x"]),
    );
    expect(cycles.map((cycle) => cycle.join(",")).sort()).toEqual(["a,b", "x,y,z"]);
  });

  it("gives a real cycle through a component with extra edges", () => {
    const graph = graphOf(["a", "b", "c", "d"], ["a->b", "b->c", "c->d", "d->a", "b->d"]);
    const [cycle] = findCycles(graph);
    expect(cycle![0]).toBe("a");
    // Every step of the listed cycle, including the way back to the start, is an edge.
    const steps = cycle!.map((from, index) => [from, cycle![(index + 1) % cycle!.length]!] as const);
    for (const [from, to] of steps) expect(graph.hasEdge(graphKey(from), graphKey(to))).toBe(true);
  });

  // graphlib keeps nodes in plain objects: raw, these ids met Object.prototype (false cycles, lost nodes).
  it.each(["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"])(
    "treats a node with id %s like any other",
    (id) => {
      expect(findCycles(graphOf(["a", id], [`a->${id}`]))).toEqual([]);
      expect(findCycles(graphOf(["a", id], [`a->${id}`, `${id}->a`]))).toEqual([[id, "a"].sort()]);
      const graph = graphOf(["a", id], [`a->${id}`]);
      expect(graph.nodeCount()).toBe(2);
      expect(graph.node(graphKey(id))).toEqual({ id, type: "test" });
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).type).toBeUndefined();
    },
  );
});
