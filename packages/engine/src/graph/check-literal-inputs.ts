import { z } from "zod";
import { describeValue } from "../errors/flow-error.js";
import { expectedOneOf } from "../flow/closest-names.js";
import { echo } from "../flow/echo.js";
import { checkInputType } from "../flow/input-types.js";
import { pathKey, type ReportIssue } from "../flow/issues.js";
import type { Flow, FlowNode } from "../flow/schema.js";
import { MAX_SUGGESTED_NAMES } from "../limits.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";

/** Checks each declared input's `default` against the input's type. */
export function checkInputDefaults(flow: Flow, report: ReportIssue): void {
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
}

/** A node type that uses connections needs one; one that does not must not be given any. */
export function checkConnectionFields(
  node: FlowNode,
  nodeType: AnyNodeType,
  base: string,
  report: ReportIssue,
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
export function checkLiteralInputs(node: FlowNode, nodeType: AnyNodeType, base: string, report: ReportIssue) {
  const inputs = node.inputs;
  const schema =
    nodeType.input instanceof z.ZodDiscriminatedUnion
      ? pickUnionOption(nodeType.input, node, nodeType, base, report)
      : nodeType.input;
  if (schema === undefined) return;
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

/**
 * The member of a discriminated union of inputs that the node's literal discriminator picks
 * (`create-connection`'s `type`), so that its inputs are checked field by field as any other node's.
 * A discriminator that is missing, a reference or unknown is an issue: the inputs cannot be checked.
 */
function pickUnionOption(
  union: z.ZodDiscriminatedUnion,
  node: FlowNode,
  nodeType: AnyNodeType,
  base: string,
  report: ReportIssue,
): z.ZodType | undefined {
  const key = (union._zod.def as { discriminator: string }).discriminator;
  const byValue = new Map<string, z.ZodType>();
  for (const option of union.options as readonly z.ZodType[]) {
    const literal =
      option instanceof z.ZodObject ? (option.shape as Record<string, z.ZodType>)[key] : undefined;
    if (literal instanceof z.ZodLiteral)
      for (const value of literal.values) byValue.set(String(value), option);
  }
  const known = [...byValue.keys()];
  const value = Object.hasOwn(node.inputs, key) ? node.inputs[key] : undefined;
  const path = `${base}.inputs${pathKey(key)}`;
  if (typeof value === "string" && byValue.has(value)) return byValue.get(value);
  if (value === undefined) {
    report({
      code: "flow.missing-input",
      message: `missing required input "${key}" for node type "${nodeType.type}": ${
        known.length === 0
          ? "none is registered"
          : `one of ${known.length}, such as ${known
              .slice(0, MAX_SUGGESTED_NAMES)
              .map((name) => `"${name}"`)
              .join(", ")}`
      }`,
      path: `${base}.inputs`,
      nodeId: node.id,
    });
  } else if (typeof value === "string" && value.includes("${")) {
    report({
      code: "flow.invalid-input",
      message: `invalid input for ${nodeType.type}: "${key}" must be written literally, since it decides which other inputs the node takes; got a reference`,
      path,
      nodeId: node.id,
    });
  } else {
    report(() => ({
      code: "flow.invalid-input",
      message: `invalid input for ${nodeType.type}: unknown ${key} ${typeof value === "string" ? echo(value) : describeValue(value)}: ${expectedOneOf(typeof value === "string" ? value : "", known, `${key}s`, "(none is registered)")}`,
      path,
      nodeId: node.id,
    }));
  }
  return undefined;
}
