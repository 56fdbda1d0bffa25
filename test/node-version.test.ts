import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { BIN, ROOT } from "./support/cli.js";
import { realNode, runCommand, userEnv } from "./support/commands.js";

const ENGINE = pathToFileURL(join(ROOT, "packages", "engine", "dist", "index.js")).href;
const importEngine = `await import(${JSON.stringify(ENGINE)}); console.log("imported");`;

/** Node.js options that make this Node report another version, as an old Node would. */
const pretendVersion = (version: string) => [
  "--import",
  `data:text/javascript,Object.defineProperty(process.versions, "node", { value: ${JSON.stringify(version)} })`,
];

const run = (node: string, args: string[]) => runCommand(node, args, { cwd: tmpdir(), env: userEnv() });

// A real Node 18, when npx can fetch one: what a user on Node 18 sees, end to end.
const node18 = await realNode(18, "real Node 18 check");

describe("an unsupported Node.js version is named, not a SyntaxError", () => {
  it("the weft bin says which Node it needs before loading the bundle (exit 1)", async () => {
    const { code, stdout, stderr } = await run(process.execPath, [
      ...pretendVersion("18.20.8"),
      BIN,
      "--version",
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe("Weft needs Node.js 20.19 or later; this is 18.20.8.\n");
  });

  it("importing the engine throws the same message", async () => {
    const old = await run(process.execPath, [
      ...pretendVersion("20.18.1"),
      "--input-type=module",
      "-e",
      importEngine,
    ]);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain("Error: Weft needs Node.js 20.19 or later; this is 20.18.1.");
    const current = await run(process.execPath, ["--input-type=module", "-e", importEngine]);
    expect(current.stdout, current.stderr).toBe("imported\n");
  });

  it.skipIf(node18 === undefined)("on a real Node 18, the bin and the engine both say so", async () => {
    const node = node18!;
    const bin = await run(node, [BIN, "run", "flow.json"]);
    expect(bin.code).toBe(1);
    expect(bin.stderr).toMatch(/^Weft needs Node\.js 20\.19 or later; this is 18\.\d+\.\d+\.\n$/);
    const engine = await run(node, ["--input-type=module", "-e", importEngine]);
    expect(engine.code).toBe(1);
    expect(engine.stderr).toMatch(/Error: Weft needs Node\.js 20\.19 or later; this is 18\.\d+\.\d+\./);
    expect(engine.stderr).not.toContain("SyntaxError");
  });
});
