import {
  findNodeAtLocation,
  type Node as JsonNode,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import type { z } from "zod";
import { checkOnce } from "../check-with.js";
import { DEFAULT_FLOW_LIMITS, type FlowLimits, MAX_FLOW_DEPTH, MAX_SUGGESTED_NAMES } from "../limits.js";
import { echo } from "./echo.js";
import { formatPath, IssueList, type ValidationIssue } from "./issues.js";
import { findTooDeepInText, findTooDeepInValue } from "./nesting-depth.js";
import { findReservedNames } from "./reserved-names.js";
import { type Flow, flowSchema } from "./schema.js";

/** The outcome of reading a flow: the flow if its shape is valid, and every problem found. */
export interface LoadResult {
  flow?: Flow;
  issues: ValidationIssue[];
  /** Finds the line and column of a JSON path, for issues found later (graph checks). */
  locate(path: ReadonlyArray<string | number>): { line: number; column: number } | undefined;
}

/**
 * Parses flow JSON text, reporting syntax errors with line and column, then checks the schema.
 * The text's size and nesting are checked first, so no parser meets a text it could choke on.
 */
export function parseFlowText(text: string, limits: FlowLimits = DEFAULT_FLOW_LIMITS): LoadResult {
  const nowhere = () => undefined;
  const bytes = utf8Length(text);
  if (bytes > limits.maxFlowFileBytes) {
    return {
      issues: [
        {
          code: "flow.too-large",
          message: `the flow is ${bytes} bytes long: expected at most ${limits.maxFlowFileBytes} bytes (${describeBytes(limits.maxFlowFileBytes)})`,
        },
      ],
      locate: nowhere,
    };
  }
  const lineStarts = computeLineStarts(text);
  const position = (offset: number) => toLineColumn(lineStarts, offset);
  const tooDeep = findTooDeepInText(text, MAX_FLOW_DEPTH);
  if (tooDeep) {
    return { issues: [{ ...tooDeepIssue(tooDeep.path), ...position(tooDeep.offset ?? 0) }], locate: nowhere };
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const locate = (path: ReadonlyArray<string | number>) => {
    if (!tree) return undefined;
    const node = findNodeAtLocation(tree, path as Array<string | number>) ?? findNearest(tree, path);
    return node ? position(node.offset) : undefined;
  };
  if (errors.length > 0 || !tree) {
    // Only the first syntax error: the parser's guesses after it are mostly echoes of it
    // (a trailing comma is also "expected a property name" and "expected a value").
    const issues = errors.slice(0, 1).map(
      (error): ValidationIssue => ({
        code: "flow.json",
        message: `malformed JSON: ${describeParseError(error)}`,
        ...position(error.offset),
      }),
    );
    if (issues.length === 0)
      issues.push({ code: "flow.json", message: "malformed JSON: the file is empty", line: 1, column: 1 });
    return { issues, locate };
  }
  const result = checkFlowValue(JSON.parse(text) as unknown, limits, false);
  for (const issue of result.issues) {
    const at = issue.path === undefined ? undefined : locate(pathSegments(issue.path));
    if (at) Object.assign(issue, at);
  }
  return { ...result, locate };
}

/**
 * Checks a flow object (already parsed) against the flow's limits (nesting, node count), its
 * reserved names and the flow schema.
 */
export function checkFlowSchema(
  value: unknown,
  limits: FlowLimits = DEFAULT_FLOW_LIMITS,
): { flow?: Flow; issues: ValidationIssue[] } {
  return checkFlowValue(value, limits, true);
}

function checkFlowValue(
  value: unknown,
  limits: FlowLimits,
  checkDepth: boolean,
): { flow?: Flow; issues: ValidationIssue[] } {
  // Text was scanned for depth before it was parsed; an object from code is walked here.
  const tooDeep = checkDepth ? findTooDeepInValue(value, MAX_FLOW_DEPTH) : undefined;
  if (tooDeep) return { issues: [tooDeepIssue(tooDeep.path)] };
  const nodes =
    value !== null && typeof value === "object" && Object.hasOwn(value, "nodes")
      ? (value as { nodes: unknown }).nodes
      : undefined;
  if (Array.isArray(nodes) && nodes.length > limits.maxFlowNodes) {
    return {
      issues: [
        {
          code: "flow.too-many-nodes",
          message: `the flow has ${nodes.length} nodes: expected at most ${limits.maxFlowNodes}`,
          path: "nodes",
        },
      ],
    };
  }
  const issues = new IssueList();
  for (const issue of findReservedNames(value)) issues.add(issue);
  // A flow is checked once: generating zod's code for it would cost more than the check.
  const parsed = checkOnce(flowSchema, value);
  if (!parsed.success)
    for (const issue of parsed.error.issues.flatMap(explainUnion))
      issues.add(() => toValidationIssue(issue, value));
  if (issues.count > 0 || !parsed.success) return { issues: issues.toArray() };
  return { flow: parsed.data, issues: [] };
}

function tooDeepIssue(path: ReadonlyArray<string | number>): ValidationIssue {
  return {
    code: "flow.too-deep",
    message: `arrays and objects nested too deeply: expected at most ${MAX_FLOW_DEPTH} levels`,
    path: formatPath(path),
  };
}

/**
 * A value that fits none of a union's shapes (`when`: a boolean, a string or a comparison): the
 * issues of the one shape it has the type of, or else the types it may have. Zod alone says
 * "Invalid input".
 */
function explainUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
  const isWrongType = (inner: z.core.$ZodIssue) => inner.code === "invalid_type" && inner.path.length === 0;
  const close = issue.errors.filter((branch) => !branch.every(isWrongType));
  if (close.length === 1) {
    return close[0]!.flatMap((inner) => explainUnion({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  if (close.length > 0) return [issue];
  const expected = issue.errors.flatMap((branch) =>
    branch.flatMap((inner) => (inner.code === "invalid_type" ? [inner.expected] : [])),
  );
  const received = /received (\w+)/.exec((issue.errors[0]?.[0]?.message ?? "") as string)?.[1];
  const list =
    expected.length > 1 ? `${expected.slice(0, -1).join(", ")} or ${expected.at(-1)}` : expected[0];
  return [
    { ...issue, message: `Invalid input: expected ${list}${received ? `, received ${received}` : ""}` },
  ];
}

function toValidationIssue(issue: z.core.$ZodIssue, root: unknown): ValidationIssue {
  // An unknown field is located at the field itself, not at the object that holds it.
  const path = formatPath(
    issue.code === "unrecognized_keys" && issue.keys[0] !== undefined
      ? [...issue.path, issue.keys[0]]
      : issue.path,
  );
  const nodeIndex =
    issue.path[0] === "nodes" && typeof issue.path[1] === "number" ? issue.path[1] : undefined;
  const nodeId = nodeIndex === undefined ? undefined : readNodeId(root, nodeIndex);
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const listed = issue.keys.slice(0, MAX_SUGGESTED_NAMES).map(echo).join(", ");
    const more = issue.keys.length - MAX_SUGGESTED_NAMES;
    message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${listed}${more > 0 ? ` and ${more} more` : ""}`;
  } else if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    message = `missing required field: expected ${issue.expected}`;
  }
  return {
    code: "flow.schema",
    message,
    ...(path ? { path } : {}),
    ...(nodeId === undefined ? {} : { nodeId }),
  };
}

function readNodeId(root: unknown, index: number): string | undefined {
  const nodes = (root as { nodes?: unknown } | null)?.nodes;
  const node = Array.isArray(nodes) ? (nodes[index] as { id?: unknown } | undefined) : undefined;
  return typeof node?.id === "string" ? node.id : undefined;
}

/** Splits `nodes[2].inputs.endpoint` into `["nodes", 2, "inputs", "endpoint"]`. */
export function pathSegments(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const pattern = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(`"${match[2]}"`) as string);
    else if (match[3] !== undefined) segments.push(match[3]);
  }
  return segments;
}

/** The UTF-8 size of a text, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // A surrogate pair: two UTF-16 units, four bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

function findNearest(tree: JsonNode, path: ReadonlyArray<string | number>): JsonNode | undefined {
  for (let length = path.length - 1; length >= 0; length--) {
    const node = findNodeAtLocation(tree, path.slice(0, length) as Array<string | number>);
    if (node) return node;
  }
  return undefined;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function toLineColumn(lineStarts: number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - lineStarts[low]! + 1 };
}

function describeParseError(error: ParseError): string {
  const messages: Record<string, string> = {
    InvalidSymbol: "unexpected character",
    InvalidNumberFormat: "invalid number",
    PropertyNameExpected: "expected a property name in double quotes",
    ValueExpected: "expected a value",
    ColonExpected: 'expected ":"',
    CommaExpected: 'expected ","',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: "unexpected content after the end of the JSON value",
    InvalidCommentToken: "comments are not allowed in flow files",
    UnexpectedEndOfComment: "unexpected end of comment",
    UnexpectedEndOfString: "unterminated string",
    UnexpectedEndOfNumber: "unexpected end of number",
    InvalidUnicode: "invalid unicode escape",
    InvalidEscapeCharacter: "invalid escape character",
    InvalidCharacter: "invalid character in string",
  };
  const name = printParseErrorCode(error.error);
  return messages[name] ?? name;
}
