import type { Graph } from "@dagrejs/graphlib";
import { z } from "zod";
import { describeValue } from "../errors.js";
import { checkInputType } from "../flow/input-types.js";
import type { ValidationIssue } from "../flow/issues.js";
import {
  collectReferencePaths,
  freezeLiterals,
  parseTemplate,
  type Reference,
  type ReferenceProblem,
  type Template,
} from "../flow/references.js";
import type { Flow, FlowNode } from "../flow/schema.js";
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
  /** The DAG, with edges labelled by what flows along them. */
  readonly graph: Graph;
  /** How many dependencies each node waits for, by index: a run copies it as its countdown. */
  readonly dependencyCounts: Int32Array;
}

/** Checks everything that needs the whole flow (ids, types, references, writers, cycles, literal inputs) and compiles it. */
export function compileFlow(
  flow: Flow,
  registry: NodeTypeRegistry,
): { compiled?: CompiledFlow; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const report = (issue: ValidationIssue) => issues.push(issue);

  const indexById = new Map<string, number>();
  flow.nodes.forEach((node, index) => {
    if (indexById.has(node.id)) {
      report({
        code: "flow.duplicate-node-id",
        message: `duplicate node id "${node.id}": also used by nodes[${indexById.get(node.id)}]`,
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
      report({
        code: "flow.unknown-node-type",
        message: `unknown node type "${node.type}": expected one of ${registry.names().join(", ")}`,
        path: `nodes[${index}].type`,
        nodeId: node.id,
      });
    }
    return nodeType;
  });

  // Variable writers: a literal name in the input the node type declares.
  const writerOf = new Map<string, number>();
  const writes = flow.nodes.map((node, index) => {
    const writesInput = nodeTypes[index]?.writes?.input;
    if (!writesInput) return undefined;
    const name = node.inputs[writesInput];
    if (name === undefined) return undefined;
    const path = `nodes[${index}].inputs.${writesInput}`;
    if (typeof name !== "string" || !VARIABLE_NAME.test(name)) {
      report({
        code: "flow.variable-name",
        message: `expected a literal variable name (letters, digits, '_' or '-'), got ${JSON.stringify(name)}`,
        path,
        nodeId: node.id,
      });
      return undefined;
    }
    const other = writerOf.get(name);
    if (other !== undefined) {
      report({
        code: "flow.variable-two-writers",
        message: `variable "${name}" is written by two nodes, "${flow.nodes[other]!.id}" and "${node.id}": each variable has exactly one writer`,
        path,
        nodeId: node.id,
      });
      return undefined;
    }
    writerOf.set(name, index);
    return name;
  });

  const declaredInputs = Object.keys(flow.inputs ?? {});
  for (const [name, declaration] of Object.entries(flow.inputs ?? {})) {
    if (declaration.default === undefined) continue;
    const expected = checkInputType(declaration.type, declaration.default);
    if (expected) {
      report({
        code: "flow.input-default",
        message: `default of input "${name}": expected ${expected} (its type is ${declaration.type}), got ${describeValue(declaration.default)}`,
        path: `inputs.${name}.default`,
      });
    }
  }
  const dependencies: Dependency[] = [];
  const dependencyIndices = flow.nodes.map(() => new Set<number>());
  const dataDependencyIndices = flow.nodes.map(() => new Set<number>());

  /** Checks a reference and returns the index of the node it depends on, if any. */
  const checkReference = (reference: Reference, path: string, nodeId?: string): number | undefined => {
    const where = { path, ...(nodeId === undefined ? {} : { nodeId }) };
    switch (reference.scope) {
      case "inputs":
        if (!declaredInputs.includes(reference.name)) {
          report({
            code: "flow.unknown-input",
            message: `${reference.source} refers to an input the flow does not declare: expected one of ${
              declaredInputs.length
                ? declaredInputs.join(", ")
                : '(no inputs declared; add it under "inputs")'
            }`,
            ...where,
          });
        }
        return undefined;
      case "vars": {
        const writer = writerOf.get(reference.name);
        if (writer === undefined) {
          const known = [...writerOf.keys()];
          report({
            code: "flow.unknown-variable",
            message: `${reference.source} reads a variable no node writes: expected one of ${
              known.length ? known.join(", ") : "(none: declare it with a declare-variable node)"
            }`,
            ...where,
          });
        }
        return writer;
      }
      case "nodes": {
        const target = indexById.get(reference.nodeId);
        if (target === undefined) {
          report({
            code: "flow.unknown-node",
            message: `${reference.source} refers to an unknown node "${reference.nodeId}": expected one of ${[...indexById.keys()].join(", ")}`,
            ...where,
          });
        } else {
          const problem = checkOutputPath(reference, nodeTypes[target]);
          if (problem) report({ code: "flow.unknown-output-field", message: problem, ...where });
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
          message: `expected a single reference such as "\${vars.customerConnection}", got ${JSON.stringify(node.dynamicConnection)}`,
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
        report({
          code: "flow.unknown-node",
          message: `dependsOn names an unknown node "${id}": expected one of ${[...indexById.keys()].join(", ")}`,
          path: `${base}.dependsOn[${position}]`,
          nodeId: node.id,
        });
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
    const template = parseTemplate(value, `outputs.${name}`, problems);
    parseProblems(problems);
    for (const { reference, path } of collectReferencePaths(template, `outputs.${name}`)) {
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

  if (issues.length > 0) return { issues };

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
  return {
    issues,
    compiled: {
      flow,
      nodes,
      byId: new Map(nodes.map((node) => [node.id, node])),
      outputs,
      variableWriters: new Map([...writerOf].map(([name, index]) => [name, flow.nodes[index]!.id])),
      graph,
      dependencyCounts: Int32Array.from(nodes, (node) => node.dependencies.length),
    },
  };
}

function checkConnectionFields(
  node: FlowNode,
  nodeType: AnyNodeType,
  base: string,
  report: (issue: ValidationIssue) => void,
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
  report: (issue: ValidationIssue) => void,
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
        path: `${base}.inputs${path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("")}`,
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
    if (!(key in shape)) {
      report({
        code: "flow.unknown-node-input",
        message: `unknown input "${key}" for node type "${nodeType.type}": expected one of ${known.join(", ")}`,
        path: `${base}.inputs.${key}`,
        nodeId: node.id,
      });
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
    const value = inputs[key];
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
  const quoted = [...cycle, cycle[0]!].map((id) => `"${id}"`);
  if (quoted.length <= 12) return quoted.join(" → ");
  return [...quoted.slice(0, 5), `… ${quoted.length - 10} more …`, ...quoted.slice(-5)].join(" → ");
}
