import type { BatchSummary } from "@weft/engine";
import { type CliIo, paint } from "../io.js";

/** What `weft batch --json` prints on stdout when the batch ends. */
export interface BatchReport extends BatchSummary {
  /** The results file. */
  output: string;
  /** Rows a previous batch had finished (`--resume`), and how they ended. */
  before: { succeeded: number; failed: number };
}

/**
 * The closing lines on stderr: how the batch ended and why, the rows by status, rows/s, tokens per
 * connection, and the slowest rows.
 */
export function formatBatchSummary(report: BatchReport, io: CliIo): string {
  const { succeeded, failed, cancelled, stopReason } = report;
  const ok = stopReason === "completed" && failed === 0 && report.before.failed === 0;
  const mark = ok ? paint(io, "green", "✓") : paint(io, stopReason === "cancelled" ? "yellow" : "red", "✗");
  const how =
    stopReason === "cancelled"
      ? "cancelled"
      : stopReason === "max-failures"
        ? "stopped after too many failures (--max-failures)"
        : stopReason === "source-error"
          ? "stopped: the data file could not be read to its end"
          : "done";
  const counts = [`${formatCount(succeeded)} succeeded`, `${formatCount(failed)} failed`];
  if (cancelled > 0) counts.push(`${formatCount(cancelled)} cancelled (not done: --resume runs them)`);
  const lines = [
    `${mark} batch ${how} in ${formatSeconds(report.durationMs / 1000)}: ${counts.join(", ")} · ${report.rowsPerSecond} rows/s`,
  ];
  if (report.skipped > 0) {
    lines.push(
      `  resumed: ${formatCount(report.skipped)} rows were done before (${formatCount(report.before.succeeded)} succeeded, ${formatCount(report.before.failed)} failed)`,
    );
  }
  const connections = Object.entries(report.usage.byConnection).sort(
    ([, a], [, b]) => (b.totalTokens ?? 0) - (a.totalTokens ?? 0),
  );
  lines.push(`  tokens: ${formatTokens(report.usage.totalTokens)} in all${formatCost(report.usage)}`);
  const width = Math.min(40, Math.max(0, ...connections.map(([label]) => label.length)));
  for (const [label, usage] of connections) {
    lines.push(
      `    ${label.padEnd(width)}  ${formatTokens(usage.totalTokens)} tokens (${formatTokens(usage.promptTokens)} in, ${formatTokens(usage.completionTokens)} out)${formatCost(usage)} over ${formatCount(usage.rows)} rows`,
    );
  }
  if (report.slowest.length > 0) {
    const slowest = report.slowest.map(
      (row) =>
        `#${row.index} ${formatSeconds(row.durationMs / 1000)}${row.status === "succeeded" ? "" : ` (${row.status})`}`,
    );
    lines.push(`  slowest rows: ${slowest.join(", ")}`);
  }
  lines.push(`  results: ${report.output}`);
  return `${lines.join("\n")}\n`;
}

/** A token count, or what stands for none: the service reported no usage. */
function formatTokens(tokens: number | null): string {
  return tokens === null ? "not reported" : formatCount(tokens);
}

/** ` · cost 0.0123 USD`, when the batch has prices. */
function formatCost(usage: { cost?: number | null; currency?: string }): string {
  if (usage.cost === undefined) return "";
  return usage.cost === null ? " · cost unknown" : ` · cost ${usage.cost} ${usage.currency ?? ""}`.trimEnd();
}

/** `12,345` */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/** `0.25 s`, `58 s`, `4 min 10 s`, `2 h 5 min` */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
