import { ERROR_CODES, type ErrorCode, FlowError } from "@weft/engine";
import { describe, expect, it } from "vitest";
import {
  EXIT_INTERRUPTED,
  EXIT_INVALID,
  EXIT_OK,
  EXIT_RUN_FAILED,
  exitCodeFor,
  exitCodeForRun,
} from "./cli-error.js";

describe("exit codes", () => {
  it("exits 2 for what the user gave (flow, inputs, command line, connections, store, prices, batch data), 1 otherwise", () => {
    // The rule before kinds existed, by code prefix: every listed code keeps its exit code.
    const invalid = (code: string) =>
      code !== "store.locked" &&
      code !== "batch.write" &&
      (code === "queue.config" ||
        ["flow.", "input.", "cli.", "connection.", "store.", "prices.", "batch."].some((prefix) =>
          code.startsWith(prefix),
        ));
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      if (code.startsWith("engine.") || code.startsWith("node.") || code.startsWith("run.")) continue;
      expect([code, exitCodeFor(new FlowError(code, "x"))]).toEqual([
        code,
        invalid(code) ? EXIT_INVALID : EXIT_RUN_FAILED,
      ]);
    }
  });

  it("exits 1 for anything that is not a FlowError, and for codes it does not know", () => {
    expect(exitCodeFor(new TypeError("x"))).toBe(EXIT_RUN_FAILED);
    expect(exitCodeFor(new FlowError("custom.flaky" as ErrorCode, "x"))).toBe(EXIT_RUN_FAILED);
  });

  it("lets a run's result decide once it started", () => {
    expect(exitCodeForRun("succeeded", false)).toBe(EXIT_OK);
    expect(exitCodeForRun("succeeded", true)).toBe(EXIT_OK);
    expect(exitCodeForRun("failed", false)).toBe(EXIT_RUN_FAILED);
    expect(exitCodeForRun("failed", true)).toBe(EXIT_RUN_FAILED);
    expect(exitCodeForRun("cancelled", true)).toBe(EXIT_INTERRUPTED);
    expect(exitCodeForRun("cancelled", false)).toBe(EXIT_RUN_FAILED);
  });
});
