import { compiledOf, type CompiledFlow as PublicCompiledFlow } from "../compiled-flow.js";
import { collectReferences, type Reference, type Template } from "../flow/references.js";
import { type EdgeLabel, type GraphNodeLabel, graphKey, idOfGraphKey } from "./build-graph.js";
import type { CompiledFlow } from "./compile-flow.js";

/** Picture-source formats `renderGraph` writes. */
export type GraphFormat = "mermaid" | "dot";

/** A box of the picture: a flow input, a static connection, a node or a flow output. */
interface Box {
  kind: "input" | "connection" | "node" | "output";
  /** The input's, connection's, node's or output's own name. */
  name: string;
  /** Lines under the name: a node's type, an input's type, "static connection", "output". */
  detail: string;
  /** A node's title, above its id. */
  title?: string;
  /** A node's `when`, as written (a comparison cut short: `${nodes.moderate.output.suggestedAction} is "Accept"`). */
  when?: string;
}

interface Arrow {
  from: Box;
  to: Box;
  label: string;
  /** Drawn dotted: an order only (`dependsOn`) or a connection used only as a fallback. */
  dotted: boolean;
}

/**
 * The flow's DAG as Mermaid or Graphviz source: the flow's inputs, the static connections nodes
 * name (marked `fallback` where a `dynamicConnection` overrides them), the nodes with their titles,
 * types and `when` conditions, and the flow's outputs; edges labelled with what flows along them
 * (`output.content`, `vars.endpoint`, `connection: vars.customerConnection`).
 */
export function renderGraph(flow: PublicCompiledFlow, format: GraphFormat = "mermaid"): string {
  const compiled = compiledOf(flow);
  const picture = describePicture(compiled);
  return format === "dot" ? writeDot(compiled, picture) : writeMermaid(picture);
}

function describePicture(flow: CompiledFlow): { boxes: Box[]; arrows: Arrow[] } {
  const inputs = new Map<string, Box>();
  for (const [name, input] of Object.entries(flow.flow.inputs ?? {})) {
    const optional = input.default === undefined ? "" : ", optional";
    inputs.set(name, { kind: "input", name, detail: `${input.type} input${optional}` });
  }
  const connections = new Map<string, Box>();
  const nodes = new Map<string, Box>();
  for (const node of flow.nodes) {
    const label = flow.graph.node(graphKey(node.id)) as GraphNodeLabel;
    const when = node.definition.when;
    const condition = node.when;
    nodes.set(node.id, {
      kind: "node",
      name: node.id,
      detail: label.type,
      ...(label.title ? { title: label.title } : {}),
      ...(when === undefined || condition === undefined
        ? {}
        : {
            when:
              condition.test !== "truthy"
                ? `${condition.valueText} ${condition.operandText}`
                : typeof when === "string"
                  ? when
                  : JSON.stringify(when),
          }),
    });
    const connection = node.definition.connection;
    if (connection !== undefined && !connections.has(connection))
      connections.set(connection, { kind: "connection", name: connection, detail: "static connection" });
  }

  const arrows: Arrow[] = [];
  const seen = new Set<string>();
  const addArrow = (from: Box | undefined, to: Box, label: string, dotted = false) => {
    const key = `${from?.kind}:${from?.name}\u0000${to.kind}:${to.name}\u0000${label}`;
    if (!from || seen.has(key)) return;
    seen.add(key);
    arrows.push({ from, to, label, dotted });
  };

  for (const node of flow.nodes) {
    const box = nodes.get(node.id)!;
    const read = (template: Template | undefined, label: string) => {
      for (const reference of template ? collectReferences(template) : []) {
        if (reference.scope === "inputs") addArrow(inputs.get(reference.name), box, label);
      }
    };
    read(node.when?.value, "when");
    if (node.when && node.when.test !== "truthy") read(node.when.operand, "when");
    read(node.inputs, "");
    if (node.dynamicConnection?.scope === "inputs")
      addArrow(inputs.get(node.dynamicConnection.name), box, "connection");
  }
  for (const node of flow.nodes) {
    const name = node.definition.connection;
    if (name === undefined) continue;
    const fallback = node.dynamicConnection !== undefined;
    addArrow(connections.get(name), nodes.get(node.id)!, fallback ? "fallback" : "connection", fallback);
  }
  for (const edge of flow.graph.edges()) {
    const label = (flow.graph.edge(edge) as EdgeLabel).labels.join(", ");
    addArrow(nodes.get(idOfGraphKey(edge.v)), nodes.get(idOfGraphKey(edge.w))!, label, label === "dependsOn");
  }
  const outputs: Box[] = [];
  for (const [name, template] of flow.outputs) {
    const box: Box = { kind: "output", name, detail: "output" };
    outputs.push(box);
    for (const reference of collectReferences(template)) {
      const [from, label] = outputSource(reference);
      addArrow(from, box, label);
    }
  }

  function outputSource(reference: Reference): [Box | undefined, string] {
    switch (reference.scope) {
      case "inputs":
        return [inputs.get(reference.name), ""];
      case "vars": {
        const writer = flow.variableWriters.get(reference.name);
        return [writer === undefined ? undefined : nodes.get(writer), `vars.${reference.name}`];
      }
      case "nodes":
        return [nodes.get(reference.nodeId), ["output", ...reference.path].join(".")];
    }
  }

  return {
    boxes: [...inputs.values(), ...connections.values(), ...nodes.values(), ...outputs],
    arrows,
  };
}

function writeMermaid({ boxes, arrows }: { boxes: Box[]; arrows: Arrow[] }): string {
  const escapeText = (text: string) => text.replace(/"/g, "#quot;").replace(/\|/g, "#124;");
  const counters = { input: 0, connection: 0, node: 0, output: 0 };
  const prefixes = { input: "i", connection: "c", node: "n", output: "o" };
  const ids = new Map<Box, string>();
  const lines = ["flowchart TD"];
  for (const box of boxes) {
    const id = `${prefixes[box.kind]}${counters[box.kind]++}`;
    ids.set(box, id);
    const text = [
      ...(box.title ? [escapeText(box.title)] : []),
      `<b>${escapeText(box.name)}</b>`,
      `<i>${escapeText(box.detail)}</i>`,
      ...(box.when === undefined ? [] : [`when ${escapeText(box.when)}`]),
    ].join("<br/>");
    const [open, close] = MERMAID_SHAPES[box.kind];
    lines.push(`  ${id}${open}"${text}"${close}`);
  }
  for (const arrow of arrows) {
    const line = arrow.dotted ? "-.->" : "-->";
    const label = arrow.label ? `|"${escapeText(arrow.label)}"|` : "";
    lines.push(`  ${ids.get(arrow.from)} ${line}${label} ${ids.get(arrow.to)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Inputs and outputs as slanted boxes (data), static connections as cylinders (stored). */
const MERMAID_SHAPES: Record<Box["kind"], [string, string]> = {
  input: ["[/", "/]"],
  connection: ["[(", ")]"],
  node: ["[", "]"],
  output: ["[\\", "\\]"],
};

function writeDot(flow: CompiledFlow, { boxes, arrows }: { boxes: Box[]; arrows: Arrow[] }): string {
  const quote = (text: string) =>
    `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  // Node ids cannot contain ":", so the other boxes never collide with them.
  const id = (box: Box) => quote(box.kind === "node" ? box.name : `${box.kind}:${box.name}`);
  const lines = [
    `digraph ${quote(flow.flow.name ?? "flow")} {`,
    "  rankdir=TB;",
    '  node [shape=box, fontname="sans-serif"];',
  ];
  for (const box of boxes) {
    const label =
      box.kind === "node"
        ? `${box.title ? `${box.title}\n` : ""}${box.name} (${box.detail})${box.when === undefined ? "" : `\nwhen ${box.when}`}`
        : `${box.name}\n${box.detail}`;
    lines.push(`  ${id(box)} [label=${quote(label)}${DOT_SHAPES[box.kind]}];`);
  }
  for (const arrow of arrows) {
    const attributes = [
      ...(arrow.label ? [`label=${quote(arrow.label)}`] : []),
      ...(arrow.dotted ? ["style=dashed"] : []),
    ];
    lines.push(
      `  ${id(arrow.from)} -> ${id(arrow.to)}${attributes.length ? ` [${attributes.join(", ")}]` : ""};`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

const DOT_SHAPES: Record<Box["kind"], string> = {
  input: ", shape=parallelogram",
  connection: ", shape=cylinder",
  node: "",
  output: ", shape=parallelogram, peripheries=2",
};
