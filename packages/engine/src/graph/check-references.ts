import { expectedOneOf } from "../flow/closest-names.js";
import { clip, echo } from "../flow/echo.js";
import type { ReportIssue } from "../flow/issues.js";
import type { Reference, ReferenceProblem } from "../flow/references.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";
import { checkOutputPath } from "./check-output-paths.js";

/** What references are checked against: the flow's declared inputs, variable writers and nodes. */
export interface ReferenceTargets {
  declaredInputs: ReadonlySet<string>;
  writerOf: ReadonlyMap<string, number>;
  indexById: ReadonlyMap<string, number>;
  nodeTypes: ReadonlyArray<AnyNodeType | undefined>;
}

/** Checks a reference found at `path` and returns the index of the node it depends on, if any. */
export type CheckReference = (reference: Reference, path: string, nodeId?: string) => number | undefined;

/**
 * A reference must name a declared input, a variable some node writes, or a node (and a path its
 * output type can have). Each one that does not is an issue, with the closest names offered.
 */
export function referenceChecker(targets: ReferenceTargets, report: ReportIssue): CheckReference {
  const { declaredInputs, writerOf, indexById, nodeTypes } = targets;
  return (reference, path, nodeId) => {
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
}

/** Reports what parsing templates found wrong with their references. */
export function reportReferenceProblems(problems: ReferenceProblem[], report: ReportIssue, nodeId?: string) {
  for (const problem of problems) {
    report({
      code: "flow.reference",
      message: problem.message,
      path: problem.path,
      ...(nodeId === undefined ? {} : { nodeId }),
    });
  }
}
