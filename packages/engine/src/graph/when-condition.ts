import { evaluateTemplate } from "../flow/compile-template.js";
import { clip, echo } from "../flow/echo.js";
import type { ReportIssue } from "../flow/issues.js";
import {
  parseString,
  parseTemplate,
  type ReferenceProblem,
  type ReferenceResolver,
  type Template,
} from "../flow/references.js";
import { type FlowNode, WHEN_OPERATORS } from "../flow/schema.js";
import { SECRET_MASK } from "../secrets/secret.js";
import { compareJsonValues, describeJsonValue } from "./json-values.js";

/** How a `when` comparison tests its value: equal to, different from, or equal to one of. */
export type WhenOperator = (typeof WHEN_OPERATORS)[number];

/** A node's `when`, parsed once when the flow is compiled. */
export type WhenCondition =
  | {
      /** A boolean or a reference written as a string: the node runs if the value is truthy. */
      readonly test: "truthy";
      readonly value: Template;
    }
  | {
      readonly test: WhenOperator;
      /** The value compared (a reference, or text with references). */
      readonly value: Template;
      /** What it is compared with: for `in`, the list. */
      readonly operand: Template;
      /** The value as written, cut short: `${nodes.moderate.output.suggestedAction}`. */
      readonly valueText: string;
      /** The comparison as written after the value, cut short: `is "Accept"`, `is one of ["a", "b"]`. */
      readonly operandText: string;
    };

/** A `when` parsed, with its templates and their JSON paths (for dependencies and reference checks). */
export interface ParsedWhen {
  condition: WhenCondition;
  templates: Array<readonly [Template, string]>;
}

/** Whether a `when` value lets a node run: anything but false, null, 0, "" and "false". */
export function isTruthyCondition(value: unknown): boolean {
  if (typeof value === "string") return value !== "" && value.toLowerCase() !== "false";
  return Boolean(value);
}

/** Why a node is skipped when its `when` is a boolean or a reference that is not truthy. */
export const FALSE_CONDITION_REASON = "its condition (when) was false";

/**
 * Parses a node's `when` (already checked against the flow schema): its references, and for a
 * comparison, that `value` holds a reference (a value written in the flow never changes, so a
 * comparison of it would always decide the same way).
 */
export function parseWhenCondition(
  node: FlowNode,
  base: string,
  problems: ReferenceProblem[],
  report: ReportIssue,
): ParsedWhen | undefined {
  const when = node.when;
  if (when === undefined) return undefined;
  if (typeof when !== "object") {
    const value = parseTemplate(when, `${base}.when`, problems);
    return { condition: { test: "truthy", value }, templates: [[value, `${base}.when`]] };
  }
  const test = WHEN_OPERATORS.find((operator) => when[operator] !== undefined) ?? "is";
  const valuePath = `${base}.when.value`;
  const operandPath = `${base}.when.${test}`;
  const found = problems.length;
  const value = parseString(when.value, valuePath, problems);
  if (value.kind === "literal" && problems.length === found) {
    report(() => ({
      code: "flow.when",
      message: `expected a reference to compare, such as "\${nodes.<id>.output.<field>}" or "\${inputs.<name>}", got ${echo(when.value)}`,
      path: valuePath,
      nodeId: node.id,
    }));
  }
  const operand = parseTemplate(when[test], operandPath, problems);
  const described = describeJsonValue(when[test]);
  return {
    condition: {
      test,
      value,
      operand,
      valueText: clip(when.value),
      operandText: `${OPERATOR_WORDS[test]} ${described}`,
    },
    templates: [
      [value, valuePath],
      [operand, operandPath],
    ],
  };
}

const OPERATOR_WORDS: Record<WhenOperator, string> = { is: "is", not: "is not", in: "is one of" };

/**
 * Why a node's `when` keeps it from running, or `undefined` if it runs. A comparison says what it
 * expected and what the value was (`when ${…} is "Accept" (was "Reject")`), cut short, each string
 * of the value passed through `scrub` first; where a secret took part, neither is shown.
 */
export function findUnmetCondition(
  condition: WhenCondition,
  resolver: ReferenceResolver,
  scrub?: (text: string) => string,
): string | undefined {
  const value = evaluateTemplate(condition.value, resolver);
  if (condition.test === "truthy") return isTruthyCondition(value) ? undefined : FALSE_CONDITION_REASON;
  const operand = evaluateTemplate(condition.operand, resolver);
  let secret = false;
  const equals = (other: unknown) => {
    const equality = compareJsonValues(value, other);
    secret ||= equality.secret;
    return equality.equal;
  };
  let holds: boolean;
  if (condition.test === "is") holds = equals(operand);
  else if (condition.test === "not") holds = !equals(operand);
  else holds = Array.isArray(operand) && operand.some(equals);
  if (holds) return undefined;
  if (secret) {
    return `when ${condition.valueText} ${OPERATOR_WORDS[condition.test]} ${SECRET_MASK} (was ${SECRET_MASK}: a secret is not shown)`;
  }
  return `when ${condition.valueText} ${condition.operandText} (was ${describeJsonValue(value, undefined, scrub)})`;
}
