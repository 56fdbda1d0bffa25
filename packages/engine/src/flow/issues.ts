import type { FlowIssueCode } from "../errors/codes.js";
import { FlowError } from "../errors/flow-error.js";
import { MAX_ECHOED_STRING_LENGTH, MAX_ISSUE_MESSAGE_LENGTH, MAX_LISTED_ISSUES } from "../limits.js";
import { clip } from "./echo.js";

/** One problem found while loading or validating a flow. */
export interface ValidationIssue {
  /** Stable code, e.g. `flow.schema`, `flow.cycle`, `flow.unknown-node-type`. */
  code: FlowIssueCode;
  /** What is wrong and what was expected. */
  message: string;
  /** JSON path inside the flow, e.g. `nodes[2].inputs.endpoint`. */
  path?: string;
  /** The node concerned. */
  nodeId?: string;
  /** 1-based position in the file, when the flow came from text. */
  line?: number;
  /** 1-based column in that line. */
  column?: number;
}

/** Thrown when a flow is not valid; carries every problem found, not just the first. */
export class FlowValidationError extends FlowError {
  override name = "FlowValidationError";
  /** Every problem found, in file order where the flow came from text. */
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], file?: string) {
    const where = file ? `${file}: ` : "";
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(
      "flow.invalid",
      `${where}invalid flow (${count}):\n${issues.map((issue) => `  ${formatIssue(issue)}`).join("\n")}`,
      {
        ...(file === undefined ? {} : { file }),
      },
    );
    this.issues = issues;
  }
}

/** `12:5 nodes[2].inputs.endpoint: message` — position, path or node, then what is wrong. */
export function formatIssue(issue: ValidationIssue, file?: string): string {
  const position = issue.line === undefined ? "" : `${issue.line}:${issue.column ?? 1}`;
  const head = [
    file && position ? `${file}:${position}` : (file ?? position),
    issue.path ?? (issue.nodeId ? `node "${issue.nodeId}"` : ""),
  ]
    .filter(Boolean)
    .join(" ");
  return head ? `${head}: ${issue.message}` : issue.message;
}

/** Formats a zod-style path (`["nodes", 2, "inputs"]`) as `nodes[2].inputs`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    const segment = pathKey(typeof key === "number" ? key : String(key));
    out += out || segment.startsWith("[") ? segment : segment.slice(1);
  }
  return out;
}

/**
 * One step of a JSON path: `[2]`, `.name`, or `["odd key"]`. A key longer than
 * `MAX_ECHOED_STRING_LENGTH` is cut (`["abc…"]`): a path names a place, it need not copy a huge key.
 */
export function pathKey(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  if (key.length > MAX_ECHOED_STRING_LENGTH)
    return `[${JSON.stringify(`${key.slice(0, MAX_ECHOED_STRING_LENGTH)}…`)}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Adds an issue to a flow's list; one given as a function is built only if it will be listed. */
export type ReportIssue = (issue: ValidationIssue | (() => ValidationIssue)) => void;

/**
 * The issues of one flow, at most `MAX_LISTED_ISSUES` of them listed: past that, issues are only
 * counted (and a message given as a function is never built), and a last `flow.more-issues`
 * issue says how many were left out. Ten thousand bad references make a short report.
 */
export class IssueList {
  readonly #listed: ValidationIssue[] = [];
  #count = 0;

  /** Every issue added, listed or not. */
  get count(): number {
    return this.#count;
  }

  add(issue: ValidationIssue | (() => ValidationIssue)): void {
    this.#count++;
    if (this.#listed.length >= MAX_LISTED_ISSUES) return;
    this.#listed.push(boundIssue(typeof issue === "function" ? issue() : issue));
  }

  /** The listed issues, then the `flow.more-issues` one if some were left out. */
  toArray(): ValidationIssue[] {
    const omitted = this.#count - this.#listed.length;
    if (omitted === 0) return [...this.#listed];
    return [
      ...this.#listed,
      {
        code: "flow.more-issues",
        message: `${omitted} more problem${omitted === 1 ? "" : "s"} not listed (${this.#count} in all; only the first ${MAX_LISTED_ISSUES} are listed)`,
      },
    ];
  }
}

/** Cuts what an issue carries to message size, whatever the code that made it quoted. */
function boundIssue(issue: ValidationIssue): ValidationIssue {
  const { message, path, nodeId } = issue;
  if (
    message.length <= MAX_ISSUE_MESSAGE_LENGTH &&
    (path === undefined || path.length <= MAX_ISSUE_MESSAGE_LENGTH) &&
    (nodeId === undefined || nodeId.length <= MAX_ECHOED_STRING_LENGTH)
  )
    return issue;
  return {
    ...issue,
    message: cut(message),
    ...(path === undefined ? {} : { path: cut(path) }),
    ...(nodeId === undefined ? {} : { nodeId: clip(nodeId) }),
  };
}

function cut(text: string): string {
  return text.length <= MAX_ISSUE_MESSAGE_LENGTH
    ? text
    : `${text.slice(0, MAX_ISSUE_MESSAGE_LENGTH)}… (${text.length} characters)`;
}
