import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";

/**
 * The committed API reports (`packages/<name>/api/<name>.api.md`) must be what api-extractor makes
 * of the built declarations today, so that every change of a public name or signature shows in
 * review. `pnpm api` rewrites them.
 */

const SCRIPT = join(ROOT, "scripts", "api-report.mjs");

function checkReports(...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, "--check", ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("API reports", () => {
  const copies = mkdtempSync(join(tmpdir(), "weft-api-test-"));
  afterAll(() => rmSync(copies, { recursive: true, force: true }));

  it("match the public API of each package", { timeout: 120_000 }, async () => {
    const { code, output } = await checkReports();
    expect(output).not.toMatch(/differs|missing|failed/);
    expect(code).toBe(0);
  });

  it("fail, naming the command that updates them, when a public name is gone", {
    timeout: 120_000,
  }, async () => {
    cpSync(join(ROOT, "packages", "engine", "api"), join(copies, "engine"), { recursive: true });
    const report = join(copies, "engine", "engine.api.md");
    const text = readFileSync(report, "utf8");
    const withoutCreateEngine = text.replace(/^export function createEngine\(.*\n/m, "");
    expect(withoutCreateEngine).not.toBe(text);
    writeFileSync(report, withoutCreateEngine);

    const { code, output } = await checkReports("--reports", copies, "engine");
    expect(code).toBe(1);
    expect(output).toContain(`The public API of @weft/engine differs from ${report}: run \`pnpm api\``);
  });
});
