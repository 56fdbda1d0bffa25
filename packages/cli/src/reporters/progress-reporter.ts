import type { RunHandle, RunResult } from "@weft/engine";
import { type CliIo, paint } from "../io.js";
import type { LineWriter } from "./line-writer.js";
import { formatUsage, formatUsageByConnection } from "./usage-lines.js";

/**
 * One line per node as it starts (on a terminal or with --verbose) and ends, written through `out`
 * (stderr) so that a line never sticks to streamed tokens.
 */
export function attachProgressReporter(
  handle: RunHandle,
  io: CliIo,
  out: LineWriter,
  options: { verbose: boolean },
): void {
  const showStarts = io.isTty || options.verbose;
  if (showStarts) {
    handle.on("node:start", (event) => {
      out.lines(`${paint(io, "cyan", "●")} ${event.nodeId} ${paint(io, "dim", event.nodeType)} started\n`);
    });
  }
  handle.on("node:end", (event) => {
    const took = paint(io, "dim", formatDuration(event.durationMs));
    switch (event.status) {
      case "succeeded":
        out.lines(`${paint(io, "green", "✓")} ${event.nodeId} ${paint(io, "dim", event.nodeType)} ${took}\n`);
        break;
      case "failed":
        out.lines(
          `${paint(io, "red", "✗")} ${event.nodeId} ${paint(io, "dim", event.nodeType)} ${took} failed: ${event.error?.message ?? "unknown error"}\n`,
        );
        break;
      case "skipped":
        out.lines(`${paint(io, "yellow", "↷")} ${event.nodeId} skipped: ${event.reason ?? ""}\n`);
        break;
      case "cancelled":
        out.lines(`${paint(io, "yellow", "⊘")} ${event.nodeId} cancelled: ${event.reason ?? ""}\n`);
        break;
    }
  });
  handle.on("node:retry", (event) => {
    out.lines(
      `${paint(io, "yellow", "↻")} ${event.nodeId} attempt ${event.attempt} failed (${event.error.message}); retrying in ${formatDuration(event.delayMs)}\n`,
    );
  });
  if (options.verbose) {
    handle.on("node:log", (event) => out.lines(`  ${event.nodeId} ${event.level}: ${event.message}\n`));
  }
}

/** The closing line: status, duration, nodes, tokens and cost; then tokens and cost per connection. */
export function formatSummary(result: RunResult, io: CliIo): string {
  const nodes = Object.values(result.nodes);
  const counts = (["succeeded", "failed", "skipped", "cancelled"] as const)
    .map((status) => [status, nodes.filter((node) => node.status === status).length] as const)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(", ");
  const usage = formatUsage(result.usage);
  const tokens = usage === "" ? "" : ` · ${usage}`;
  const mark =
    result.status === "succeeded"
      ? paint(io, "green", "✓")
      : paint(io, result.status === "failed" ? "red" : "yellow", "✗");
  const error = result.error
    ? `: ${result.error.nodeId ? `node "${result.error.nodeId}": ` : ""}${result.error.message}`
    : "";
  return `${mark} run ${result.status} in ${formatDuration(result.durationMs)} (${counts})${tokens}${error}\n${formatUsageByConnection(result.usage, io)}`;
}

function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
