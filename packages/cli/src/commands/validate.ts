import { FlowError, isFlowIssueCode, type ValidationIssue } from "@weft/engine";
import { EXIT_INVALID, EXIT_OK } from "../cli-error.js";
import { createCliEngine } from "../create-engine.js";
import { formatIssues, readFlowText } from "../flow-file.js";
import { type CliIo, paint } from "../io.js";
import type { CliCatalog } from "../plugins.js";

/** `weft validate <flows...>`: every problem of every file; exit 2 if any. */
export async function validateCommand(
  files: string[],
  options: { json?: boolean },
  io: CliIo,
  catalog: CliCatalog,
): Promise<number> {
  const engine = createCliEngine(catalog);
  const report: Array<{ file: string; valid: boolean; issues: ValidationIssue[] }> = [];
  for (const file of files) {
    let issues: ValidationIssue[];
    try {
      issues = engine.validate(await readFlowText(file));
    } catch (error) {
      // A file that cannot be read (`flow.file`) is a problem of that file; anything else stops.
      if (!(error instanceof FlowError && isFlowIssueCode(error.code))) throw error;
      issues = [{ code: error.code, message: error.message.replace(`${file}: `, "") }];
    }
    report.push({ file, valid: issues.length === 0, issues });
  }
  if (options.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const { file, valid, issues } of report) {
      if (valid) io.stdout(`${paint(io, "green", "✓")} ${file}\n`);
      else {
        io.stderr(
          `${paint(io, "red", "✗")} ${file}: ${issues.length === 1 ? "1 problem" : `${issues.length} problems`}\n`,
        );
        io.stderr(formatIssues(issues, file));
      }
    }
  }
  return report.every((entry) => entry.valid) ? EXIT_OK : EXIT_INVALID;
}
