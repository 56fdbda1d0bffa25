import type { Graph } from "@dagrejs/graphlib";
import { type CompiledTemplate, compileTemplate } from "../flow/compile-template.js";
import { formatPath, IssueList, type ReportIssue, type ValidationIssue } from "../flow/issues.js";
import { findTooDeepInValue } from "../flow/nesting-depth.js";
import { freezeLiterals, type Reference, type Template } from "../flow/references.js";
import { findReservedNames } from "../flow/reserved-names.js";
import type { Flow, FlowNode } from "../flow/schema.js";
import { MAX_FLOW_DEPTH } from "../limits.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";
import type { NodeTypeRegistry } from "../node-type/registry.js";
import { buildGraph } from "./build-graph.js";
import { checkConnectionFields, checkInputDefaults, checkLiteralInputs } from "./check-literal-inputs.js";
import { referenceChecker } from "./check-references.js";
import {
  collectNodeDependencies,
  NodeDependencies,
  type NodeTemplates,
  parseFlowOutputs,
} from "./collect-dependencies.js";
import { reportCycles } from "./find-cycles.js";
import { indexNodes, lookUpNodeTypes } from "./index-nodes.js";
import { collectVariableWriters, type VariableWriters } from "./variable-writers.js";
import type { WhenCondition } from "./when-condition.js";

/** A node ready to run: templates parsed, dependencies resolved to indices. */
export interface CompiledNode {
  readonly index: number;
  readonly id: string;
  readonly definition: FlowNode;
  readonly nodeType: AnyNodeType;
  /** The inputs with references parsed. */
  readonly inputs: Template;
  /** The inputs compiled: what a run evaluates (`evaluateCompiled`) for the node's input. */
  readonly inputsCode: CompiledTemplate;
  /** The node's `when`, parsed. */
  readonly when: WhenCondition | undefined;
  readonly dynamicConnection: Reference | undefined;
  /** The variable this node writes, if any. */
  readonly writes: string | undefined;
  /** Nodes that must end before this one starts. */
  readonly dependencies: readonly number[];
  /** Nodes whose data this one reads: if one of them is skipped or failed, this one is skipped. */
  readonly dataDependencies: readonly number[];
  /** Nodes that wait for this one. */
  readonly dependents: readonly number[];
}

/** A validated flow, compiled once and run many times. */
export interface CompiledFlow {
  readonly flow: Flow;
  readonly nodes: readonly CompiledNode[];
  readonly byId: ReadonlyMap<string, CompiledNode>;
  readonly outputs: ReadonlyArray<readonly [string, Template]>;
  /** Which node writes each variable. */
  readonly variableWriters: ReadonlyMap<string, string>;
  /**
   * The DAG, with edges labelled by what flows along them. Nodes are keyed by `graphKey(id)`
   * (`edge.v`, `edge.w` too: `idOfGraphKey` gives the id back), never by the raw id.
   */
  readonly graph: Graph;
  /** How many dependencies each node waits for, by index: a run copies it as its countdown. */
  readonly dependencyCounts: Int32Array;
}

/**
 * Checks everything that needs the whole flow (ids, types, references, writers, cycles, literal
 * inputs) and compiles it. At most `MAX_LISTED_ISSUES` issues are listed, then one that counts the rest.
 */
export function compileFlow(
  flow: Flow,
  registry: NodeTypeRegistry,
): { compiled?: CompiledFlow; issues: ValidationIssue[] } {
  const tooDeep = findTooDeep(flow);
  if (tooDeep) return { issues: [tooDeep] };
  const issues = new IssueList();
  const report: ReportIssue = (issue) => issues.add(issue);
  for (const issue of findReservedNames(flow)) report(issue);
  const indexById = indexNodes(flow, report);
  const nodeTypes = lookUpNodeTypes(flow, registry, report);
  const writers = collectVariableWriters(flow, nodeTypes, report);
  checkInputDefaults(flow, report);
  const declaredInputs = new Set(Object.keys(flow.inputs ?? {}));
  const checkReference = referenceChecker(
    { declaredInputs, writerOf: writers.writerOf, indexById, nodeTypes },
    report,
  );
  const dependencies = new NodeDependencies(flow);
  const templates = flow.nodes.map((node, index) => {
    const parsed = collectNodeDependencies(flow, index, indexById, dependencies, checkReference, report);
    const nodeType = nodeTypes[index];
    if (nodeType) {
      checkConnectionFields(node, nodeType, `nodes[${index}]`, report);
      checkLiteralInputs(node, nodeType, `nodes[${index}]`, report);
    }
    return parsed;
  });
  const outputs = parseFlowOutputs(flow, checkReference, report);
  const graph = buildGraph(
    flow.nodes.map((node) => ({
      id: node.id,
      type: node.type,
      ...(node.title ? { title: node.title } : {}),
    })),
    dependencies.edges,
  );
  reportCycles(graph, indexById, report);
  if (issues.count > 0) return { issues: issues.toArray() };
  const compiled = assembleCompiledFlow(flow, {
    nodeTypes: nodeTypes as AnyNodeType[],
    templates,
    writers,
    dependencies,
    outputs,
    graph,
  });
  compiledFlows.add(compiled);
  return { issues: [], compiled };
}

/**
 * Flows from `checkFlowSchema` / `parseFlowText` passed this check already; a flow built in code
 * and compiled directly has not, and templates are walked by recursion.
 */
function findTooDeep(flow: Flow): ValidationIssue | undefined {
  const tooDeep = findTooDeepInValue(flow, MAX_FLOW_DEPTH);
  if (!tooDeep) return undefined;
  return {
    code: "flow.too-deep",
    message: `arrays and objects nested too deeply: expected at most ${MAX_FLOW_DEPTH} levels`,
    path: formatPath(tooDeep.path),
  };
}

/** The compiled flow from what the phases found in a flow without issues. */
function assembleCompiledFlow(
  flow: Flow,
  parts: {
    nodeTypes: readonly AnyNodeType[];
    templates: readonly NodeTemplates[];
    writers: VariableWriters;
    dependencies: NodeDependencies;
    outputs: ReadonlyArray<readonly [string, Template]>;
    graph: Graph;
  },
): CompiledFlow {
  const { nodeTypes, templates, writers, dependencies } = parts;
  const dependents = dependencies.dependents();
  const indexById = new Map(flow.nodes.map((node, index) => [node.id, index]));
  const indexOf = (id: string) => indexById.get(id)!;
  const nodes: CompiledNode[] = flow.nodes.map((node, index) => {
    const inputs = freezeLiterals(templates[index]!.inputs);
    return {
      index,
      id: node.id,
      definition: node,
      nodeType: nodeTypes[index]!,
      inputs,
      inputsCode: compileTemplate(inputs, indexOf),
      when: templates[index]!.when,
      dynamicConnection: templates[index]!.dynamicConnection,
      writes: writers.writes[index],
      dependencies: [...dependencies.waitsFor[index]!],
      dataDependencies: [...dependencies.readsFrom[index]!],
      dependents: dependents[index]!,
    };
  });
  return {
    flow,
    nodes,
    byId: new Map(nodes.map((node) => [node.id, node])),
    outputs: parts.outputs,
    variableWriters: new Map([...writers.writerOf].map(([name, index]) => [name, flow.nodes[index]!.id])),
    graph: parts.graph,
    dependencyCounts: Int32Array.from(nodes, (node) => node.dependencies.length),
  };
}

/** Flows `compileFlow` made: only these are run without being validated again. */
const compiledFlows = new WeakSet<CompiledFlow>();

/**
 * Whether a value is a flow `compileFlow` compiled. An object that only looks like one (a flow
 * file with `byId` and `graph` fields) is validated like any other flow.
 */
export function isCompiledFlow(value: unknown): value is CompiledFlow {
  return typeof value === "object" && value !== null && compiledFlows.has(value as CompiledFlow);
}
