import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT } from "./support/cli.js";
import { realNode, runCommand, userEnv } from "./support/commands.js";

const BUNDLE = join(ROOT, "packages", "cli", "bundle");

/** Each JavaScript file of the bundle, by name, with its text. */
function bundleFiles(): [name: string, text: string][] {
  return readdirSync(BUNDLE)
    .filter((name) => name.endsWith(".js"))
    .map((name) => [name, readFileSync(join(BUNDLE, name), "utf8")]);
}

/** The source modules a bundle file holds, from the `// <path>` line esbuild writes above each. */
function modulesIn(text: string): string[] {
  return (text.match(/^\/\/ \S+\.[cm]?js$/gm) ?? []).map((line) => line.slice(3));
}

// A real Node 22, when npx can fetch one: the compile cache exists from Node 22.1 on.
const node22 = await realNode(22, "compile cache check");

describe("the weft bundle", () => {
  it("holds zod's English locale only, and the YAML parser in a chunk of its own", () => {
    const files = bundleFiles();
    const modules = files.flatMap(([, text]) => modulesIn(text));
    // Files of zod's own (the plugin's index of the one locale is not one).
    const locales = modules.filter((path) => /^node_modules\/.*\/zod\/v4\/locales\//.test(path));
    expect(locales.map((path) => path.replace(/^.*\/locales\//, ""))).toEqual(["en.js"]);
    const yamlFiles = files.filter(([, text]) => /^\/\/ \S*\/yaml\//m.test(text)).map(([name]) => name);
    expect(yamlFiles).toHaveLength(1);
    // No file imports it statically: only `weft connection import` loads it.
    for (const [name, text] of files) {
      expect(text, name).not.toMatch(new RegExp(`^import[^;]*"\\./${yamlFiles[0]}"`, "m"));
    }
  });

  it.skipIf(node22 === undefined)(
    "on Node 22, caches what it compiles for the next start, unless NODE_DISABLE_COMPILE_CACHE is set",
    async () => {
      const node = node22!;
      const folder = mkdtempSync(join(tmpdir(), "weft-compile-cache-"));
      writeFileSync(
        join(folder, "flow.json"),
        JSON.stringify({ nodes: [{ id: "a", type: "declare-variable", inputs: { name: "x", value: 1 } }] }),
      );
      // Node puts the cache in its temporary folder: one of the test's own for each start here.
      const start = (temp: string, extra: NodeJS.ProcessEnv = {}) => {
        const env = userEnv({ TMPDIR: join(folder, temp), ...extra });
        delete env.NODE_COMPILE_CACHE;
        mkdirSync(join(folder, temp));
        return runCommand(node, [BIN, "run", "flow.json"], { cwd: folder, env });
      };

      const cached = await start("on");
      expect(cached.code, cached.stderr).toBe(0);
      expect(readdirSync(join(folder, "on", "node-compile-cache"))).not.toHaveLength(0);

      const off = await start("off", { NODE_DISABLE_COMPILE_CACHE: "1" });
      expect(off.code, off.stderr).toBe(0);
      expect(off.stdout).toBe(cached.stdout);
      expect(readdirSync(join(folder, "off"))).toEqual([]);
    },
    60_000,
  );
});
