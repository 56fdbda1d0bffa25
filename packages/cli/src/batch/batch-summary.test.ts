import { BatchTally } from "@weft/engine";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../io.js";
import { formatBatchSummary, formatSeconds } from "./batch-summary.js";

const io: CliIo = { stdout: () => {}, stderr: () => {}, readStdin: async () => "", env: {}, isTty: false };

describe("formatBatchSummary", () => {
  it("says how the batch ended, the rows by status, tokens per connection and the slowest rows", () => {
    const tally = new BatchTally(performance.now() - 2000);
    const usage = (tokens: number, label: string) => ({
      promptTokens: tokens,
      completionTokens: 1,
      totalTokens: tokens + 1,
      byConnection: { [label]: { promptTokens: tokens, completionTokens: 1, totalTokens: tokens + 1 } },
    });
    tally.add({ index: 0, status: "succeeded", durationMs: 1500, usage: usage(9, "dynamic:contoso") });
    tally.add({ index: 1, status: "failed", durationMs: 20, error: { code: "input.invalid", message: "x" } });
    tally.add({ index: 2, status: "cancelled", durationMs: 5, usage: usage(99, "shared") });
    const text = formatBatchSummary(
      { ...tally.summary("cancelled", 3), output: "out.jsonl", before: { succeeded: 2, failed: 1 } },
      io,
    );
    const lines = text.trimEnd().split("\n");
    // Two seconds at least, since the tally started; more if the machine stalls in between.
    expect(lines[0]).toMatch(
      /^✗ batch cancelled in [2-9]\.\d\d s: 1 succeeded, 1 failed, 1 cancelled \(not done: --resume runs them\) · [\d.]+ rows\/s$/,
    );
    expect(lines.slice(1)).toEqual([
      "  resumed: 3 rows were done before (2 succeeded, 1 failed)",
      "  tokens: 110 in all",
      "    shared           100 tokens (99 in, 1 out) over 1 rows",
      "    dynamic:contoso  10 tokens (9 in, 1 out) over 1 rows",
      "  slowest rows: #0 1.50 s, #1 0.02 s (failed), #2 0.01 s (cancelled)",
      "  results: out.jsonl",
    ]);
  });

  it("writes durations a person reads at a glance", () => {
    expect([0.5, 42.4, 250, 7322].map(formatSeconds)).toEqual(["0.50 s", "42 s", "4 min 10 s", "2 h 2 min"]);
  });
});
