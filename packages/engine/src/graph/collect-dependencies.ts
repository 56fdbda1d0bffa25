import { expectedOneOf } from "../flow/closest-names.js";
import { echo } from "../flow/echo.js";
import { pathKey, type ReportIssue } from "../flow/issues.js";
import {
  collectReferencePaths,
  freezeLiterals,
  parseTemplate,
  type Reference,
  type ReferenceProblem,
  type Template,
} from "../flow/references.js";
import type { Flow } from "../flow/schema.js";
import type { Dependency } from "./build-graph.js";
import { type CheckReference, reportReferenceProblems } from "./check-references.js";
import { parseWhenCondition, type WhenCondition } from "./when-condition.js";

/** A node's templates, parsed once for every run. */
export interface NodeTemplates {
  inputs: Template;
  when: WhenCondition | undefined;
  dynamicConnection: Reference | undefined;
}

/**
 * The dependencies found so far: the graph's labelled edges, and for each node (by index) the
 * nodes it waits for and, among them, those whose data it reads.
 */
export class NodeDependencies {
  readonly edges: Dependency[] = [];
  readonly waitsFor: Array<Set<number>>;
  readonly readsFrom: Array<Set<number>>;
  readonly #flow: Flow;

  constructor(flow: Flow) {
    this.#flow = flow;
    this.waitsFor = flow.nodes.map(() => new Set<number>());
    this.readsFrom = flow.nodes.map(() => new Set<number>());
  }

  /** Node `index` depends on node `target` (if the reference found one), reading its data or not. */
  add(index: number, target: number | undefined, label: string, data: boolean): void {
    if (target === undefined) return;
    this.waitsFor[index]!.add(target);
    if (data) this.readsFrom[index]!.add(target);
    this.edges.push({ from: this.#flow.nodes[target]!.id, to: this.#flow.nodes[index]!.id, label });
  }

  /** For each node, the nodes that wait for it. */
  dependents(): number[][] {
    const dependents = this.#flow.nodes.map(() => [] as number[]);
    this.waitsFor.forEach((set, index) => {
      for (const target of set) dependents[target]!.push(index);
    });
    return dependents;
  }
}

/**
 * Parses node `index`'s templates and records what it depends on: every node and variable writer
 * its inputs and `when` read (data), its `dynamicConnection`'s writer and its `dependsOn` (order).
 */
export function collectNodeDependencies(
  flow: Flow,
  index: number,
  indexById: ReadonlyMap<string, number>,
  dependencies: NodeDependencies,
  checkReference: CheckReference,
  report: ReportIssue,
): NodeTemplates {
  const node = flow.nodes[index]!;
  const base = `nodes[${index}]`;
  const problems: ReferenceProblem[] = [];
  const inputs = parseTemplate(node.inputs, `${base}.inputs`, problems);
  const when = parseWhenCondition(node, base, problems, report);
  let dynamicConnection: Reference | undefined;
  if (node.dynamicConnection !== undefined) {
    const parsed = parseTemplate(node.dynamicConnection, `${base}.dynamicConnection`, problems);
    if (parsed.kind === "reference") dynamicConnection = parsed.reference;
    else if (problems.length === 0) {
      report({
        code: "flow.dynamic-connection",
        message: `expected a single reference such as "\${vars.customerConnection}", got ${echo(node.dynamicConnection)}`,
        path: `${base}.dynamicConnection`,
        nodeId: node.id,
      });
    }
  }
  reportReferenceProblems(problems, report, node.id);

  const labelOf = (reference: Reference) =>
    reference.scope === "nodes" ? ["output", ...reference.path].join(".") : `vars.${reference.name}`;
  for (const [template, path] of [[inputs, `${base}.inputs`] as const, ...(when?.templates ?? [])]) {
    for (const { reference, path: at } of collectReferencePaths(template, path)) {
      dependencies.add(index, checkReference(reference, at, node.id), labelOf(reference), true);
    }
  }
  if (dynamicConnection) {
    const target = checkReference(dynamicConnection, `${base}.dynamicConnection`, node.id);
    dependencies.add(index, target, `connection: ${labelOf(dynamicConnection)}`, false);
  }
  node.dependsOn?.forEach((id, position) => {
    const target = indexById.get(id);
    if (target === undefined) {
      report(() => ({
        code: "flow.unknown-node",
        message: `dependsOn names an unknown node ${echo(id)}: ${expectedOneOf(id, indexById, "nodes", "(the flow has no nodes)")}`,
        path: `${base}.dependsOn[${position}]`,
        nodeId: node.id,
      }));
    } else {
      dependencies.add(index, target, "dependsOn", false);
    }
  });
  return { inputs, when: when?.condition, dynamicConnection };
}

/** Parses the flow's `outputs` and checks their references; outputs order nothing. */
export function parseFlowOutputs(
  flow: Flow,
  checkReference: CheckReference,
  report: ReportIssue,
): Array<readonly [string, Template]> {
  const outputs: Array<readonly [string, Template]> = [];
  for (const [name, value] of Object.entries(flow.outputs ?? {})) {
    const problems: ReferenceProblem[] = [];
    const template = parseTemplate(value, `outputs${pathKey(name)}`, problems);
    reportReferenceProblems(problems, report);
    for (const { reference, path } of collectReferencePaths(template, `outputs${pathKey(name)}`)) {
      checkReference(reference, path);
    }
    outputs.push([name, freezeLiterals(template)]);
  }
  return outputs;
}
