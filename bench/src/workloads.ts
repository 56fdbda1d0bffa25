/**
 * The neutral description of every workload. Each adapter turns a `Workload` into its library's own
 * graph; nothing here knows about any library.
 */

/** What a node's work is: returning at once, or a simulated model call that waits `delayMs`. */
export type NodeKind = "trivial" | "llm";

/**
 * The part a node plays in the product flow (declare variable → create connection → chat). Engines
 * that have those node types use them; the others run the node as a plain step of the same kind.
 */
export type ProductRole = "declare-variable" | "create-connection" | "chat";

/** One node of a workload. */
export interface WorkloadNode {
  /** Unique within the workload; letters, digits and `_`, so every library accepts it as a name. */
  readonly id: string;
  /** Nodes that must finish before this one starts. */
  readonly dependsOn: readonly string[];
  readonly kind: NodeKind;
  /** How long the simulated call waits; 0 for trivial nodes. */
  readonly delayMs: number;
  readonly productRole?: ProductRole;
}

/** A DAG of nodes, in an order where every node comes after its dependencies. */
export interface Workload {
  /** Short name for tables, e.g. `chain(250)`. */
  readonly name: string;
  readonly nodes: readonly WorkloadNode[];
  /**
   * Every node is an async function (it returns a promise even when it does not wait) that reads
   * the outputs of the nodes it depends on, as flows pass data by reference (`StepRunner.runAsync`).
   */
  readonly promises?: boolean;
}

function trivial(id: string, dependsOn: readonly string[] = []): WorkloadNode {
  return { id, dependsOn, kind: "trivial", delayMs: 0 };
}

function llm(id: string, delayMs: number, dependsOn: readonly string[] = []): WorkloadNode {
  return { id, dependsOn, kind: "llm", delayMs };
}

/** W1: `length` trivial nodes, each depending on the one before. Measures per-node scheduling cost. */
export function chain(length: number): Workload {
  const nodes: WorkloadNode[] = [];
  for (let index = 0; index < length; index++) {
    nodes.push(trivial(`n${index}`, index === 0 ? [] : [`n${index - 1}`]));
  }
  return { name: `chain(${length})`, nodes };
}

/** W2: one trivial source, `width` parallel simulated calls of `delayMs`, one trivial join. */
export function fanOut(width: number, delayMs: number): Workload {
  const branches: WorkloadNode[] = [];
  for (let index = 0; index < width; index++) {
    branches.push(llm(`call${index}`, delayMs, ["source"]));
  }
  const join = trivial(
    "join",
    branches.map((branch) => branch.id),
  );
  return { name: `fan-out(${width}×${delayMs}ms)`, nodes: [trivial("source"), ...branches, join] };
}

/**
 * W3: `layers` layers of `width` simulated calls. A node depends on two nodes of the layer above:
 * the one in its column and one `1 + layer mod (width - 1)` columns to the right (wrapping, never
 * the same column), and takes `slowMs`
 * where `(3·column + 7·layer) mod 5 = 0` (4 nodes of 20 per layer), else `fastMs`. The slow nodes
 * sit in different columns on every layer, so the critical path is shorter than the sum of each
 * layer's slowest node, and a scheduler that waits for whole layers loses the difference.
 */
export function lattice(layers: number, width: number, fastMs: number, slowMs: number): Workload {
  const id = (layer: number, column: number) => `l${layer}_${column}`;
  const nodes: WorkloadNode[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let column = 0; column < width; column++) {
      const delayMs = (3 * column + 7 * layer) % 5 === 0 ? slowMs : fastMs;
      const offset = 1 + (layer % (width - 1));
      const dependsOn = layer === 0 ? [] : [id(layer - 1, column), id(layer - 1, (column + offset) % width)];
      nodes.push(llm(id(layer, column), delayMs, dependsOn));
    }
  }
  return { name: `lattice(${layers}×${width}, ${fastMs}/${slowMs}ms)`, nodes };
}

/** W4 and W7: the product flow — declare a variable, create a connection from it, chat through it. */
export function productFlow(chatDelayMs: number): Workload {
  return {
    name: `product(${chatDelayMs}ms)`,
    nodes: [
      { ...trivial("endpoint"), productRole: "declare-variable" },
      { ...trivial("connection", ["endpoint"]), productRole: "create-connection" },
      { ...llm("chat", chatDelayMs, ["connection"]), productRole: "chat" },
    ],
  };
}

/** The same workload with promise-returning nodes that read their dependencies' outputs (W8). */
export function withPromises(workload: Workload): Workload {
  return { ...workload, name: `${workload.name}, async`, promises: true };
}

/** Nodes that nothing depends on. */
export function sinkNodes(workload: Workload): WorkloadNode[] {
  const dependedOn = new Set(workload.nodes.flatMap((node) => node.dependsOn));
  return workload.nodes.filter((node) => !dependedOn.has(node.id));
}
