import {
  type CompiledFlow,
  type Engine,
  FlowValidationError,
  formatIssue,
  MAX_FLOW_FILE_BYTES,
  type ValidationIssue,
} from "@weft/engine";
import { readRegularFile } from "@weft/store";

/**
 * Reads a flow file's text. A missing, unreadable or oversized file, a directory or a named pipe
 * is a one-line user error (exit 2); the size is checked before anything is read.
 */
export async function readFlowText(file: string): Promise<string> {
  return readRegularFile(file, {
    code: "flow.file",
    expected: "a .flow.json file",
    maxBytes: MAX_FLOW_FILE_BYTES,
  });
}

/** Reads, validates and compiles a flow file; problems are reported with file:line:column. */
export async function loadFlowFile(engine: Engine, file: string): Promise<CompiledFlow> {
  const text = await readFlowText(file);
  try {
    return engine.compile(text, file);
  } catch (error) {
    if (error instanceof FlowValidationError) throw new FlowValidationError(error.issues, file);
    throw error;
  }
}

/** One line per issue: `flow.json:12:5 nodes[2].inputs.endpoint: message`. */
export function formatIssues(issues: readonly ValidationIssue[], file: string): string {
  return issues.map((issue) => `${formatIssue(issue, file)}\n`).join("");
}
