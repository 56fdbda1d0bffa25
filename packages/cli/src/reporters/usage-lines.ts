import type { RunUsage, Usage } from "@weft/engine";
import { type CliIo, paint } from "../io.js";

/** Connections listed under a run's summary line; the rest are counted. */
export const MAX_LISTED_CONNECTIONS = 20;

/**
 * Tokens and cost of some calls, for a summary: `48 tokens · 0.000012 USD`, with what the service
 * did not report or the prices did not cover said apart (never shown as zero).
 */
export function formatUsage(usage: Usage): string {
  if (usage.requests === 0) return "";
  const parts: string[] = [];
  if (usage.totalTokens === null) parts.push("tokens not reported by the service");
  else {
    parts.push(`${usage.totalTokens} tokens`);
    if (!usage.reported) {
      parts.push(`${usage.unreportedRequests} of ${usage.requests} calls not reported by the service`);
    }
  }
  if (usage.cost !== undefined) {
    if (usage.cost === null) parts.push("cost unknown (no price)");
    else {
      const unpriced = usage.unpricedRequests ?? 0;
      parts.push(
        `${formatCost(usage.cost)} ${usage.currency ?? ""}`.trim() +
          (unpriced > 0 ? ` (${unpriced} call${unpriced === 1 ? "" : "s"} without a price)` : ""),
      );
    }
  }
  return parts.join(" · ");
}

/** One line per connection identity: its label, calls, tokens and cost. */
export function formatUsageByConnection(usage: RunUsage, io: CliIo): string {
  const entries = Object.entries(usage.byConnection);
  if (entries.length === 0) return "";
  const lines = entries
    .slice(0, MAX_LISTED_CONNECTIONS)
    .map(
      ([label, entry]) =>
        `  ${paint(io, "dim", "·")} ${label}: ${entry.requests} call${entry.requests === 1 ? "" : "s"} · ${formatUsage(entry)}\n`,
    );
  if (entries.length > MAX_LISTED_CONNECTIONS) {
    lines.push(`  ${paint(io, "dim", "·")} ${entries.length - MAX_LISTED_CONNECTIONS} more connections\n`);
  }
  return lines.join("");
}

/** A cost with the digits that matter: cents for large sums, six significant digits for tiny ones. */
export function formatCost(cost: number): string {
  if (cost === 0) return "0";
  if (Math.abs(cost) >= 1) return cost.toFixed(2);
  return Number(cost.toPrecision(6)).toString();
}
