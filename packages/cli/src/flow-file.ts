import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import {
  type CompiledFlow,
  type Engine,
  FlowError,
  FlowValidationError,
  formatIssue,
  type ValidationIssue,
} from "@weft/engine";

/**
 * Reads a flow file's text; a missing or unreadable file is a user error (exit 2) that shows the
 * path it resolved to, since a relative path depends on the folder the command ran in.
 */
export async function readFlowText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory, expected a .flow.json file"
          : `cannot read it (${code})`;
    const where = isAbsolute(file) ? "" : ` (${resolve(file)})`;
    throw new FlowError("flow.file", `${file}: ${why}${where}`, { file });
  }
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
