import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempHome } from "./support/cli.js";

/** A moderated chat made of declare-variable nodes: `chat` runs only when the verdict is Accept. */
const MODERATED = "test/fixtures/cli/moderated.flow.json";
const CANARY = "sk-CANARY-when-5150";

const weft = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env: { WEFT_HOME: tempHome(), ...env } });

describe("weft run with when comparisons", () => {
  it("runs the node when the comparison holds", async () => {
    const { code, stdout, stderr } = await weft(["run", MODERATED, "--input", "action=Accept"]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ reply: "Here is my answer.", refusal: null, vip: null });
    expect(stderr).toContain(
      '↷ refusal skipped: when ${vars.verdict.suggestedAction} is one of ["Reject", "Review"] (was "Accept")\n',
    );
  });

  it("says why a rejected text skips the chat, and what reads it", async () => {
    const { code, stdout, stderr } = await weft(["run", MODERATED, "--input", "action=Reject"]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      reply: null,
      refusal: "Sorry, I cannot help with that.",
      vip: null,
    });
    expect(stderr).toContain(
      '↷ chat skipped: when ${vars.verdict.suggestedAction} is "Accept" (was "Reject")\n',
    );
    expect(stderr).toContain('↷ reply skipped: "chat" was skipped\n');
    expect(stderr).toMatch(/^✓ run succeeded in .* \(2 succeeded, 3 skipped\)$/m);
  });

  it("gives the reason in the --json result and in the --stream events", async () => {
    const { code, stdout, stderr } = await weft([
      "run",
      MODERATED,
      "--json",
      "--stream",
      "--input",
      "action=Review",
    ]);
    expect(code, stderr).toBe(0);
    const lines = stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    const why = 'when ${vars.verdict.suggestedAction} is "Accept" (was "Review")';
    expect(lines).toContainEqual(
      expect.objectContaining({ event: "node:end", nodeId: "chat", status: "skipped", reason: why }),
    );
    expect(lines.at(-1).nodes.chat).toEqual({ status: "skipped", attempts: 0, reason: why });
  });

  it("never prints a secret it compared: not on stdout, stderr, or in the trace", async () => {
    const trace = join(mkdtempSync(join(tmpdir(), "weft-when-")), "trace.jsonl");
    const run = (passcode: string) =>
      weft(["run", MODERATED, "--input-env", "passcode=WEFT_TEST_PASSCODE", "--trace", trace, "--verbose"], {
        WEFT_TEST_PASSCODE: passcode,
      });
    const wrong = await run(CANARY);
    expect(wrong.code, wrong.stderr).toBe(0);
    expect(wrong.stderr).toContain(
      "↷ vip skipped: when ${inputs.passcode} is *** (was ***: a secret is not shown)\n",
    );
    const right = await run("open-sesame");
    expect(right.code, right.stderr).toBe(0);
    expect(JSON.parse(right.stdout).vip).toBe(true);
    for (const text of [wrong.stdout, wrong.stderr, readFileSync(trace, "utf8")]) {
      expect(text).not.toContain("CANARY");
    }
  });
});

describe("weft validate and weft graph with when comparisons", () => {
  it("refuses a bad comparison with file:line:column, path and node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-when-"));
    const write = (name: string, when: unknown) => {
      const flow = JSON.parse(readFileSync(MODERATED, "utf8"));
      flow.nodes[1].when = when;
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(flow, null, 2));
      return file;
    };
    const both = write("both.flow.json", {
      value: "${vars.verdict.suggestedAction}",
      is: "Accept",
      not: "x",
    });
    const typo = write("typo.flow.json", { value: "${nodes.moderat.output.suggestedAction}", is: "Accept" });
    const { code, stdout, stderr } = await weft(["validate", "--json", both, typo]);
    expect(code).toBe(2);
    expect(stderr).toBe("");
    expect(JSON.parse(stdout).map((report: { issues: unknown[] }) => report.issues)).toEqual([
      [
        {
          code: "flow.schema",
          message: 'expected exactly one of "is", "not" or "in", got "is" and "not"',
          path: "nodes[1].when.not",
          nodeId: "chat",
          line: 31,
          column: 16,
        },
      ],
      [
        {
          code: "flow.unknown-node",
          message:
            '${nodes.moderat.output.suggestedAction} refers to an unknown node "moderat": expected one of moderate, chat, reply, refusal, vip; did you mean "moderate"?',
          path: "nodes[1].when.value",
          nodeId: "chat",
          line: 29,
          column: 18,
        },
      ],
    ]);
    const text = await weft(["validate", typo]);
    expect(text.stderr).toContain(
      `${typo}:29:18 nodes[1].when.value: \${nodes.moderat.output.suggestedAction} refers to an unknown node "moderat"`,
    );
  });

  it("draws each comparison on its node", async () => {
    const mermaid = await weft(["graph", MODERATED]);
    expect(mermaid.code, mermaid.stderr).toBe(0);
    expect(mermaid.stdout).toContain(
      'n1["<b>chat</b><br/><i>declare-variable</i><br/>when ${vars.verdict.suggestedAction} is #quot;Accept#quot;"]',
    );
    expect(mermaid.stdout).toContain('i1 -->|"when"| n4');
    const dot = await weft(["graph", MODERATED, "--format", "dot"]);
    expect(dot.code, dot.stderr).toBe(0);
    expect(dot.stdout).toContain(
      '"refusal" [label="refusal (declare-variable)\\nwhen ${vars.verdict.suggestedAction} is one of [\\"Reject\\", \\"Review\\"]"];',
    );
  });
});
