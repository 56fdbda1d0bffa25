import type { Graph } from "@dagrejs/graphlib";
import { z } from "zod";
import { describeValue } from "../errors/flow-error.js";
import { expectedOneOf } from "../flow/closest-names.js";
import { clip, echo } from "../flow/echo.js";
import { checkInputType } from "../flow/input-types.js";
import { formatPath, IssueList, pathKey, type ValidationIssue } from "../flow/issues.js";
import { findTooDeepInValue } from "../flow/nesting-depth.js";
import {
  collectReferencePaths,
  freezeLiterals,
  parseTemplate,
  type Reference,
  type ReferenceProblem,
  type Template,
} from "../flow/references.js";
import { findReservedNames, isReservedName, reservedNameIssue } from "../flow/reserved-names.js";
import type { Flow, FlowNode } from "../flow/schema.js";
import { MAX_FLOW_DEPTH } from "../limits.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";
import type { NodeTypeRegistry } from "../node-type/registry.js";
import { buildGraph, type Dependency } from "./build-graph.js";
import { checkOutputPath } from "./check-output-paths.js";
import { findCycles } from "./find-cycles.js";

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A node ready to run: templates parsed, dependencies resolved to indices. */
export interface CompiledNode {
  readonly index: number;
  readonly id: string;
  readonly definition: FlowNode;
  readonly nodeType: AnyNodeType;
  /** The inputs with references parsed. */
  readonly inputs: Template;
  readonly when: Template | undefined;
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
  // Flows from `checkFlowSchema` / `parseFlowText` passed these checks already; a flow built in
  // code and compiled directly has not, and templates are walked by recursion.
  const tooDeep = findTooDeepInValue(flow, MAX_FLOW_DEPTH);
  if (tooDeep) {
    return {
      issues: [
        {
          code: "flow.too-deep",
          message: `arrays and objects nested too deeply: expected at most ${MAX_FLOW_DEPTH} levels`,
          path: formatPath(tooDeep.path),
        },
      ],
    };
  }
  const issues = new IssueList();
  const report = (issue: ValidationIssue | (() => ValidationIssue)) => issues.add(issue);
  for (const issue of findReservedNames(flow)) report(issue);

  const indexById = new Map<string, number>();
  flow.nodes.forEach((node, index) => {
    if (indexById.has(node.id)) {
      report({
        code: "flow.duplicate-node-id",
        message: `duplicate node id ${echo(node.id)}: also used by nodes[${indexById.get(node.id)}]`,
        path: `nodes[${index}].id`,
        nodeId: node.id,
      });
    } else {
      indexById.set(node.id, index);
    }
  });

  const nodeTypes = flow.nodes.map((node, index) => {
    const nodeType = registry.get(node.type);
    if (!nodeType) {
      report(() => ({
        code: "flow.unknown-node-type",
        message: `unknown node type ${echo(node.type)}: ${expectedOneOf(node.type, registry.names(), "node types", "(no node types are registered)")}`,
        path: `nodes[${index}].type`,
        nodeId: node.id,
      }));
    }
    return nodeType;
  });

  // Variable writers: a literal name in the input the node type declares.
  const writerOf = new Map<string, number>();
  const writes = flow.nodes.map((node, index) => {
    const writesInput = nodeTypes[index]?.writes?.input;
    if (!writesInput) return undefined;
    const name = Object.hasOwn(node.inputs, writesInput) ? node.inputs[writesInput] : undefined;
    if (name === undefined) return undefined;
    const path = `nodes[${index}].inputs${pathKey(writesInput)}`;
    if (typeof name !== "string" || !VARIABLE_NAME.test(name)) {
      report({
        code: "flow.variable-name",
        message: `expected a literal variable name (letters, digits, '_' or '-'), got ${typeof name === "string" ? echo(name) : describeValue(name)}`,
        path,
        nodeId: node.id,
      });
      return undefined;
    }
    if (isReservedName(name)) {
      report(reservedNameIssue(name, "a variable name", ["nodes", index, "inputs", writesInput], node.id));
      return undefined;
    }
    const other = writerOf.get(name);
    if (other !== undefined) {
      report({
        code: "flow.variable-two-writers",
        message: `variable ${echo(name)} is written by two nodes, ${echo(flow.nodes[other]!.id)} and ${echo(node.id)}: each variable has exactly one writer`,
        path,
        nodeId: node.id,
      });
      return undefined;
    }
    writerOf.set(name, index);
    return name;
  });

  const declaredInputs = new Set(Object.keys(flow.inputs ?? {}));
  for (const [name, declaration] of Object.entries(flow.inputs ?? {})) {
    if (declaration.default === undefined) continue;
    const expected = checkInputType(declaration.type, declaration.default);
    if (expected) {
      report({
        code: "flow.input-default",
        message: `default of input ${echo(name)}: expected ${expected} (its type is ${declaration.type}), got ${describeValue(declaration.default)}`,
        path: `inputs${pathKey(name)}.default`,
      });
    }
  }
  const dependencies: Dependency[] = [];
  const dependencyIndices = flow.nodes.map(() => new Set<number>());
  const dataDependencyIndices = flow.nodes.map(() => new Set<number>());

  /** Checks a reference and returns the index of the node it depends on, if any. */
  const checkReference = (reference: Reference, path: string, nodeId?: string): number | undefined => {
    const where = { path, ...(nodeId === undefined ? {} : { nodeId }) };
    const source = clip(reference.source);
    switch (reference.scope) {
      case "inputs":
        if (!declaredInputs.has(reference.name)) {
          report(() => ({
            code: "flow.unknown-input",
            message: `${source} refers to an input the flow does not declare: ${expectedOneOf(
              reference.name,
              declaredInputs,
              "declared inputs",
              '(no inputs declared; add it under "inputs")',
            )}`,
            ...where,
          }));
        }
        return undefined;
      case "vars": {
        const writer = writerOf.get(reference.name);
        if (writer === undefined) {
          report(() => ({
            code: "flow.unknown-variable",
            message: `${source} reads a variable no node writes: ${expectedOneOf(
              reference.name,
              writerOf,
              "written variables",
              "(none: declare it with a declare-variable node)",
            )}`,
            ...where,
          }));
        }
        return writer;
      }
      case "nodes": {
        const target = indexById.get(reference.nodeId);
        if (target === undefined) {
          report(() => ({
            code: "flow.unknown-node",
            message: `${source} refers to an unknown node ${echo(reference.nodeId)}: ${expectedOneOf(reference.nodeId, indexById, "nodes", "(the flow has no nodes)")}`,
            ...where,
          }));
        } else {
          const problem = checkOutputPath(reference, nodeTypes[target]);
          if (problem) report(() => ({ code: "flow.unknown-output-field", message: problem, ...where }));
        }
        return target;
      }
    }
  };

  const parseProblems = (problems: ReferenceProblem[], nodeId?: string) => {
    for (const problem of problems) {
      report({
        code: "flow.reference",
        message: problem.message,
        path: problem.path,
        ...(nodeId === undefined ? {} : { nodeId }),
      });
    }
  };

  const compiledParts = flow.nodes.map((node, index) => {
    const nodeType = nodeTypes[index];
    const base = `nodes[${index}]`;
    const problems: ReferenceProblem[] = [];
    const inputs = parseTemplate(node.inputs, `${base}.inputs`, problems);
    const when = node.when === undefined ? undefined : parseTemplate(node.when, `${base}.when`, problems);
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
    parseProblems(problems, node.id);

    const addDependency = (target: number | undefined, label: string, data: boolean) => {
      if (target === undefined) return;
      dependencyIndices[index]!.add(target);
      if (data) dataDependencyIndices[index]!.add(target);
      dependencies.push({ from: flow.nodes[target]!.id, to: node.id, label });
    };
    const labelOf = (reference: Reference) =>
      reference.scope === "nodes" ? ["output", ...reference.path].join(".") : `vars.${reference.name}`;

    for (const [template, path] of [
      [inputs, `${base}.inputs`],
      [when, `${base}.when`],
    ] as const) {
      if (!template) continue;
      for (const { reference, path: at } of collectReferencePaths(template, path)) {
        addDependency(checkReference(reference, at, node.id), labelOf(reference), true);
      }
    }
    if (dynamicConnection) {
      const target = checkReference(dynamicConnection, `${base}.dynamicConnection`, node.id);
      addDependency(target, `connection: ${labelOf(dynamicConnection)}`, false);
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
        addDependency(target, "dependsOn", false);
      }
    });

    if (nodeType) {
      checkConnectionFields(node, nodeType, base, report);
      checkLiteralInputs(node, nodeType, base, report);
    }
    return { inputs, when, dynamicConnection };
  });

  const outputs: Array<readonly [string, Template]> = [];
  for (const [name, value] of Object.entries(flow.outputs ?? {})) {
    const problems: ReferenceProblem[] = [];
    const template = parseTemplate(value, `outputs${pathKey(name)}`, problems);
    parseProblems(problems);
    for (const { reference, path } of collectReferencePaths(template, `outputs${pathKey(name)}`)) {
      checkReference(reference, path);
    }
    outputs.push([name, freezeLiterals(template)]);
  }

  const graph = buildGraph(
    flow.nodes.map((node) => ({
      id: node.id,
      type: node.type,
      ...(node.title ? { title: node.title } : {}),
    })),
    dependencies,
  );
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

  if (issues.count > 0) return { issues: issues.toArray() };

  const dependents = flow.nodes.map(() => [] as number[]);
  dependencyIndices.forEach((set, index) => {
    for (const target of set) dependents[target]!.push(index);
  });
  const nodes: CompiledNode[] = flow.nodes.map((node, index) => ({
    index,
    id: node.id,
    definition: node,
    nodeType: nodeTypes[index]!,
    inputs: freezeLiterals(compiledParts[index]!.inputs),
    when: compiledParts[index]!.when,
    dynamicConnection: compiledParts[index]!.dynamicConnection,
    writes: writes[index],
    dependencies: [...dependencyIndices[index]!],
    dataDependencies: [...dataDependencyIndices[index]!],
    dependents: dependents[index]!,
  }));
  const compiled: CompiledFlow = {
    flow,
    nodes,
    byId: new Map(nodes.map((node) => [node.id, node])),
    outputs,
    variableWriters: new Map([...writerOf].map(([name, index]) => [name, flow.nodes[index]!.id])),
    graph,
    dependencyCounts: Int32Array.from(nodes, (node) => node.dependencies.length),
  };
  compiledFlows.add(compiled);
  return { issues: [], compiled };
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

function checkConnectionFields(
  node: FlowNode,
  nodeType: AnyNodeType,
  base: string,
  report: (issue: ValidationIssue | (() => ValidationIssue)) => void,
) {
  if (nodeType.usesConnection) {
    if (node.connection === undefined && node.dynamicConnection === undefined) {
      report({
        code: "flow.connection-missing",
        message: `node type "${nodeType.type}" needs a connection: expected "connection" (a static connection name), "dynamicConnection" (a reference), or both`,
        path: base,
        nodeId: node.id,
      });
    }
    return;
  }
  for (const field of ["connection", "dynamicConnection"] as const) {
    if (node[field] !== undefined) {
      report({
        code: "flow.connection-unused",
        message: `node type "${nodeType.type}" does not use connections: remove "${field}"`,
        path: `${base}.${field}`,
        nodeId: node.id,
      });
    }
  }
}

/** Checks literal inputs against the node type's input schema, field by field where references leave gaps. */
function checkLiteralInputs(
  node: FlowNode,
  nodeType: AnyNodeType,
  base: string,
  report: (issue: ValidationIssue | (() => ValidationIssue)) => void,
) {
  const schema = nodeType.input;
  const inputs = node.inputs;
  const hasReferences = JSON.stringify(inputs).includes("${");
  const pushIssues = (
    error: z.ZodError,
    prefix: ReadonlyArray<PropertyKey>,
    keep: (issue: z.core.$ZodIssue) => boolean = () => true,
  ) => {
    for (const issue of error.issues.filter(keep)) {
      const path = [...prefix, ...issue.path];
      report({
        code: "flow.invalid-input",
        message: `invalid input for ${nodeType.type}: ${issue.message}`,
        path: `${base}.inputs${path.map((key) => pathKey(typeof key === "number" ? key : String(key))).join("")}`,
        nodeId: node.id,
      });
    }
  };
  if (!(schema instanceof z.ZodObject)) {
    if (!hasReferences) {
      const result = schema.safeParse(inputs);
      if (!result.success) pushIssues(result.error, []);
    }
    return;
  }
  const shape = schema.shape as Record<string, z.ZodType>;
  const known = Object.keys(shape);
  for (const key of Object.keys(inputs)) {
    // An own-property test: `toString` or `constructor` is no more an input than any other unknown name.
    if (!Object.hasOwn(shape, key)) {
      report(() => ({
        code: "flow.unknown-node-input",
        message: `unknown input ${echo(key)} for node type "${nodeType.type}": ${expectedOneOf(key, known, "inputs", "(it takes no inputs)")}`,
        path: `${base}.inputs${pathKey(key)}`,
        nodeId: node.id,
      }));
    }
  }
  if (!hasReferences) {
    const result = schema.safeParse(inputs);
    // Unknown keys were reported above, one issue each: a strict schema would report them again.
    if (!result.success) {
      pushIssues(
        result.error,
        [],
        (issue) => !(issue.code === "unrecognized_keys" && issue.path.length === 0),
      );
    }
    return;
  }
  for (const [key, field] of Object.entries(shape)) {
    const value = Object.hasOwn(inputs, key) ? inputs[key] : undefined;
    if (value === undefined) {
      if (!field.safeParse(undefined).success) {
        report({
          code: "flow.missing-input",
          message: `missing required input "${key}" for node type "${nodeType.type}"`,
          path: `${base}.inputs`,
          nodeId: node.id,
        });
      }
      continue;
    }
    if (JSON.stringify(value).includes("${")) continue;
    const result = field.safeParse(value);
    if (!result.success) pushIssues(result.error, [key]);
  }
}

/** `"a" → "b" → "a"`; long cycles keep their first and last steps around a count of the rest. */
function describeCycle(cycle: readonly string[]): string {
  const quoted = [...cycle, cycle[0]!].map(echo);
  if (quoted.length <= 12) return quoted.join(" → ");
  return [...quoted.slice(0, 5), `… ${quoted.length - 10} more …`, ...quoted.slice(-5)].join(" → ");
}
