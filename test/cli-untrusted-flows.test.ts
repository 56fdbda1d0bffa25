import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempHome } from "./support/cli.js";

const TYPED = "test/fixtures/cli/typed-inputs.flow.json";

const weft = (args: string[]) => runCli(args, { env: { WEFT_HOME: tempHome() } });

/** Writes a flow text to a fresh file and returns its path. */
function flowFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "weft-untrusted-")), "flow.json");
  writeFileSync(file, text);
  return file;
}

/** A user error, not a crash: exit 2, no stack trace, no "internal error". */
function expectUserError(result: { code: number; stderr: string }) {
  expect(result.code, result.stderr.slice(0, 2_000)).toBe(2);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/internal error|Maximum call stack|Invalid string length/);
}

describe("weft validate on untrusted flows", () => {
  it("refuses a node id __proto__ (the flow that polluted Object.prototype)", async () => {
    const file = flowFile(
      '{"nodes":[{"id":"__proto__","type":"declare-variable","inputs":{"name":"v","value":1}},\n' +
        '{"id":"isAdmin","type":"declare-variable","inputs":{"name":"w","value":"${nodes.__proto__.output}"}}]}',
    );
    const result = await weft(["validate", file]);
    expectUserError(result);
    expect(result.stderr).toContain(
      `${file}:1:17 nodes[0].id: "__proto__" is reserved and cannot be a node id: expected any name but "__proto__", "constructor", "prototype"`,
    );
  });

  it("gives __proto__ depending on constructor a validation error, not an internal one", async () => {
    const file = flowFile(
      JSON.stringify({
        nodes: [
          {
            id: "__proto__",
            type: "declare-variable",
            dependsOn: ["constructor"],
            inputs: { name: "a", value: 1 },
          },
          { id: "constructor", type: "declare-variable", inputs: { name: "b", value: 2 } },
        ],
      }).replace('"__proto__"', '"__proto__"'),
    );
    const result = await weft(["validate", "--json", file]);
    expectUserError(result);
    const [report] = JSON.parse(result.stdout) as Array<{ issues: Array<{ code: string; path: string }> }>;
    expect(report!.issues.map((issue) => [issue.code, issue.path])).toEqual([
      ["flow.reserved-name", "nodes[0].id"],
      ["flow.reserved-name", "nodes[1].id"],
    ]);
  });

  it("passes a flow whose node a depends on a node named toString, and runs it", async () => {
    const file = flowFile(
      JSON.stringify({
        nodes: [
          { id: "a", type: "declare-variable", dependsOn: ["toString"], inputs: { name: "a", value: 1 } },
          { id: "toString", type: "declare-variable", inputs: { name: "valueOf", value: 2 } },
        ],
        outputs: { hasOwnProperty: "${vars.valueOf}" },
      }),
    );
    const validated = await weft(["validate", file]);
    expect(validated.code, validated.stderr).toBe(0);
    const ran = await weft(["run", "--json", file]);
    expect(ran.code, ran.stderr).toBe(0);
    const result = JSON.parse(ran.stdout);
    expect(Object.keys(result.nodes)).toEqual(["a", "toString"]);
    expect(result.nodes.toString).toMatchObject({ status: "succeeded", output: 2 });
    expect(result.outputs).toEqual({ hasOwnProperty: 2 });
  });

  it.each([2_000, 3_000, 100_000])(
    "refuses %i levels of nesting with a clear error and its path",
    async (levels) => {
      // The issue's reproduction: python3 -c "n=3000;print('{\"nodes\":[...\"value\":'+'['*n+']'*n+'}}]}')"
      const prefix = '{"nodes":[{"id":"a","type":"declare-variable","inputs":{"name":"v","value":';
      const file = flowFile(`${prefix}${"[".repeat(levels)}${"]".repeat(levels)}}}]}\n`);
      for (const command of ["validate", "run"]) {
        const result = await weft([command, file]);
        expectUserError(result);
        expect(result.stderr).toContain(
          `1:${prefix.length + 1 + 60} nodes[0].inputs.value${"[0]".repeat(60)}: arrays and objects nested too deeply: expected at most 64 levels`,
        );
      }
    },
  );

  it("reports 10,000 unknown references in a bounded report", async () => {
    const nodes = Array.from({ length: 10_000 }, (_, index) => ({
      id: `node${index}`,
      type: "declare-variable",
      inputs: { name: `v${index}`, value: `\${nodes.missing${index}.output}` },
    }));
    const result = await weft(["validate", flowFile(JSON.stringify({ nodes }))]);
    expectUserError(result);
    expect(result.stderr.length).toBeLessThan(60_000);
    expect(result.stderr).toContain(
      "9900 more problems not listed (10000 in all; only the first 100 are listed)",
    );
  });

  it("reports a 5 MB variable name read by a thousand nodes briefly", async () => {
    const name = "v".repeat(5 * 1024 * 1024);
    const nodes = [
      { id: "writer", type: "declare-variable", inputs: { name, value: 1 } },
      ...Array.from({ length: 1_000 }, (_, index) => ({
        id: `reader${index}`,
        type: "declare-variable",
        inputs: { name: `r${index}`, value: "${vars.nope}" },
      })),
    ];
    const result = await weft(["validate", flowFile(JSON.stringify({ nodes }))]);
    expectUserError(result);
    expect(result.stderr.length).toBeLessThan(60_000);
    expect(result.stderr).toContain(
      "${vars.nope} reads a variable no node writes: expected one of the 1001 written variables (none is close to this name)",
    );
    expect(result.stderr).not.toContain("v".repeat(100));
  });
});

describe("weft run --input names", () => {
  it.each(["nope", "constructor", "toString", "__proto__", "hasOwnProperty"])(
    "refuses --input %s=1 when the flow declares no such input",
    async (name) => {
      const result = await weft(["run", TYPED, "--input", "name=x", "--input", `${name}=1`]);
      expectUserError(result);
      // Refused the same way whatever the name: one line, before anything runs.
      expect(result.stderr).toMatch(
        new RegExp(
          `^error: unknown input "${name}": expected one of name, count, verbose, tags(; did you mean "name"\\?)?\n$`,
        ),
      );
      expect(result.stdout).toBe("");
    },
  );

  it("refuses a __proto__ key in --inputs-file like any unknown name", async () => {
    const file = flowFile('{"name": "x", "__proto__": {"count": 5}}');
    const result = await weft(["run", TYPED, "--inputs-file", file]);
    expectUserError(result);
    expect(result.stderr).toContain('unknown input "__proto__"');
  });
});
