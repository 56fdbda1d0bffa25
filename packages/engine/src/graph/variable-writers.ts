import { describeValue } from "../errors/flow-error.js";
import { echo } from "../flow/echo.js";
import { pathKey, type ReportIssue } from "../flow/issues.js";
import { isReservedName, reservedNameIssue } from "../flow/reserved-names.js";
import type { Flow } from "../flow/schema.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Which node writes each variable, and the variable each node writes. */
export interface VariableWriters {
  /** The index of each variable's one writer. */
  writerOf: Map<string, number>;
  /** The variable each node writes, by node index. */
  writes: Array<string | undefined>;
}

/**
 * Finds the variable each node writes: a literal name in the input its node type declares
 * (`writes.input`). A name that is not literal, is reserved, or has a writer already is an issue.
 */
export function collectVariableWriters(
  flow: Flow,
  nodeTypes: ReadonlyArray<AnyNodeType | undefined>,
  report: ReportIssue,
): VariableWriters {
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
  return { writerOf, writes };
}
