import { type BatchRun, BatchTally } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { progressLine } from "./batch-progress.js";

function line(inFlight: number, waiting: number): string {
  const tally = new BatchTally();
  tally.add({ index: 0, status: "succeeded", durationMs: 5 });
  return progressLine({
    batch: { inFlight, waiting } as BatchRun,
    tally,
    doneBefore: 0,
    totalRows: () => 10,
    startedAt: performance.now() - 1000,
  });
}

describe("progressLine", () => {
  it("counts rows waiting on a throttled connection apart from the running ones", () => {
    expect(line(8, 0)).toMatch(/^1\/10 rows · 1 ok · 0 failed · 8 running · [\d.]+ rows\/s · ETA/);
    expect(line(30, 22)).toMatch(/^1\/10 rows · 1 ok · 0 failed · 8 running · 22 waiting · [\d.]+ rows\/s/);
  });
});
