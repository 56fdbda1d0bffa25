import { FlowError } from "../errors.js";

/** One problem found while loading or validating a flow. */
export interface ValidationIssue {
  /** Stable code, e.g. `flow.schema`, `flow.cycle`, `flow.unknown-node-type`. */
  code: string;
  /** What is wrong and what was expected. */
  message: string;
  /** JSON path inside the flow, e.g. `nodes[2].inputs.endpoint`. */
  path?: string;
  /** The node concerned. */
  nodeId?: string;
  /** 1-based position in the file, when the flow came from text. */
  line?: number;
  column?: number;
}

/** Thrown when a flow is not valid; carries every problem found, not just the first. */
export class FlowValidationError extends FlowError {
  override name = "FlowValidationError";
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
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
