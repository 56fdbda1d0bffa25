import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../scripts/structure.mjs", import.meta.url));

describe("the shape of the code (pnpm structure)", () => {
  it("has no import cycle, no production file over 300 lines, and an engine without fs, yaml or SDKs", () => {
    const result = spawnSync(process.execPath, [script], { encoding: "utf8" });
    expect(result.stdout.split("\n").filter((line) => /cycle|Over 300|must not import/.test(line))).toEqual([
      "No import cycles.",
    ]);
    expect(result.status).toBe(0);
  });
});
