import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  completeLines,
  readResults,
  spawnCli,
  TENANT_FLOW,
  TENANT_MAPS,
  tempDir,
  tenantRows,
  waitFor,
  writeJsonl,
} from "./support/batch.js";
import { expectNoCanaryIn } from "./support/canary.js";
import { runCli, tempHome } from "./support/cli.js";

const CANARY = "test-key-CANARY-7f3a9c2e51d4";
const TENANTS: Array<[string, string]> = [
  ["tenant-a", "test-key-tenant-a-0042"],
  ["tenant-b", "test-key-tenant-b-0042"],
  ["tenant-c", CANARY],
];

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys: Object.fromEntries(TENANTS) });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const weft = (args: string[]) => runCli(args, { env: { WEFT_HOME: tempHome() } });

/** The rows each index of a results file names, and whether every row 0…count-1 is there once. */
function expectEveryRowOnce(file: string, count: number) {
  const indexes = readResults(file).map((line) => line.index);
  expect(indexes).toHaveLength(count);
  expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, index) => index));
}

/** The questions the server was asked since the last reset: one per row run. */
const askedRows = () => server.requests.map((entry) => entry.lastUserMessage);

describe("weft batch end to end", () => {
  it("runs a few hundred rows over three tenants, one result line each, keys masked", async () => {
    const dir = tempDir();
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(300, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const result = await weft([
      "batch",
      TENANT_FLOW,
      "--data",
      data,
      "--output",
      output,
      ...TENANT_MAPS,
      "--concurrency",
      "16",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expectEveryRowOnce(output, 300);
    const lines = readResults(output);
    for (const line of lines) {
      expect(line.status).toBe("succeeded");
      expect(line.outputs?.answer).toContain(`row-${line.index}`);
      expect(line.outputs?.keyUsed).toBe("***");
      expect(line.usage?.totalTokens).toBeGreaterThan(0);
    }
    // Each row asked once, on its own tenant's key.
    expect(askedRows().sort()).toEqual(lines.map((line) => `row-${line.index}`).sort());
    for (const entry of server.requests) {
      const index = Number(entry.lastUserMessage?.slice(4));
      expect(entry.keyName).toBe(TENANTS[index % 3]![0]);
    }
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ stopReason: "completed", succeeded: 300, failed: 0, cancelled: 0 });
    // Tokens per connection add up to what the rows report.
    const perTenant = new Map<string, number>();
    for (const line of lines)
      for (const [label, usage] of Object.entries(line.usage!.byConnection))
        perTenant.set(label, (perTenant.get(label) ?? 0) + (usage.totalTokens ?? 0));
    expect(Object.keys(summary.usage.byConnection).sort()).toEqual(["tenant-a", "tenant-b", "tenant-c"]);
    for (const [label, tokens] of perTenant) {
      expect(summary.usage.byConnection[label]).toMatchObject({ totalTokens: tokens, rows: 100 });
    }
    expect(result.stderr).toMatch(/batch done in .*: 300 succeeded, 0 failed/);
    expect(result.stderr).toMatch(/tenant-c +\d+ tokens/);
    expectNoCanaryIn({ stdout: result.stdout, stderr: result.stderr, results: readFileSync(output, "utf8") });
  });

  it("refuses to overwrite a results file without --resume (exit 2), and leaves it as it was", async () => {
    const dir = tempDir();
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(2, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    writeFileSync(output, "keep me\n");
    const result = await weft(["batch", TENANT_FLOW, "--data", data, "--output", output, ...TENANT_MAPS]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: --output ${output} already exists: add --resume to continue the batch that wrote it, or choose another file\n`,
    );
    expect(readFileSync(output, "utf8")).toBe("keep me\n");
    expect(server.requests).toHaveLength(0);
  });

  it("survives SIGKILL at random points: each --resume runs only what is not done, and every row ends once", async () => {
    const dir = tempDir();
    const count = 240;
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(count, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const args = [
      "batch",
      TENANT_FLOW,
      "--data",
      data,
      "--output",
      output,
      ...TENANT_MAPS,
      "--resume",
      "--concurrency",
      "8",
    ];
    let done = new Set<number>();
    for (let kill = 0; kill < 4; kill++) {
      server.reset();
      // Answers slow enough that a kill lands in the middle of the batch.
      server.addRule({ delayMs: 40 });
      const before = completeLines(output);
      // Somewhere in the next stretch of rows, different every time.
      const target = before + 5 + Math.floor(Math.random() * 40);
      const running = spawnCli(args, { WEFT_HOME: tempHome() });
      await waitFor(
        `${target} result lines`,
        () => completeLines(output) >= target || running.child.exitCode !== null,
      );
      running.child.kill("SIGKILL");
      const ended = await running.exited;
      expect(ended.signal ?? "exited", ended.stderr).toBe("SIGKILL");
      // Rows done before this run were not asked again.
      for (const question of askedRows()) expect(done.has(Number(question?.slice(4)))).toBe(false);
      const lines = readResults(output);
      const indexes = lines.map((line) => line.index);
      expect(new Set(indexes).size).toBe(indexes.length);
      done = new Set(indexes);
    }
    server.reset();
    const last = await weft(args);
    expect(last.code, last.stderr).toBe(0);
    for (const question of askedRows()) expect(done.has(Number(question?.slice(4)))).toBe(false);
    expect(askedRows()).toHaveLength(count - done.size);
    expectEveryRowOnce(output, count);
    expect(readResults(output).every((line) => line.status === "succeeded")).toBe(true);
  }, 180_000);

  it("on Ctrl-C cancels the rows in flight, leaves every line whole, exits 130; --resume then finishes", async () => {
    const dir = tempDir();
    const count = 60;
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(count, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const args = [
      "batch",
      TENANT_FLOW,
      "--data",
      data,
      "--output",
      output,
      ...TENANT_MAPS,
      "--concurrency",
      "4",
    ];
    // Slow answers, so that rows are in flight when Ctrl-C comes.
    server.addRule({ delayMs: 300 });
    const running = spawnCli(args, { WEFT_HOME: tempHome() });
    await waitFor("some result lines", () => completeLines(output) >= 4);
    running.child.kill("SIGINT");
    const ended = await running.exited;
    expect(ended.code, ended.stderr).toBe(130);
    expect(ended.stderr).toContain("cancelling the rows in flight");
    expect(ended.stderr).toMatch(/batch cancelled in .*cancelled \(not done: --resume runs them\)/);
    const text = readFileSync(output, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = readResults(output);
    expect(lines.length).toBeLessThan(count);
    expect(lines.every((line) => line.status === "succeeded")).toBe(true);

    server.reset();
    const resumed = await weft([...args, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resumed: ${lines.length} rows were done before`);
    expectEveryRowOnce(output, count);
  }, 120_000);

  it("lets a throttled tenant's rows wait without their slots; Ctrl-C ends them cancelled, and --resume runs them", async () => {
    const dir = tempDir();
    const count = 30;
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(count, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const args = [
      "batch",
      TENANT_FLOW,
      "--data",
      data,
      "--output",
      output,
      ...TENANT_MAPS,
      "--concurrency",
      "2",
    ];
    // tenant-a is throttled for a minute (the back-off is cut to the node's longest retry delay,
    // still far longer than this test): with two slots, its rows would take both and stall the rest.
    server.addRule({
      match: { key: "tenant-a" },
      fault: { type: "status", status: 429, retryAfterMs: 60_000 },
    });
    const running = spawnCli(args, { WEFT_HOME: tempHome() });
    const others = (2 * count) / 3;
    await waitFor("tenant-b's and tenant-c's rows", () => completeLines(output) >= others);
    running.child.kill("SIGINT");
    const ended = await running.exited;
    expect(ended.code, ended.stderr).toBe(130);
    const lines = readResults(output);
    // Every row of b and c done, none of a's: they were waiting, and end cancelled (not written).
    expect(lines.map((line) => line.index % 3).sort()).toEqual([
      ...Array(others / 2).fill(1),
      ...Array(others / 2).fill(2),
    ]);
    expect(lines.every((line) => line.status === "succeeded")).toBe(true);
    expect(ended.stderr).toMatch(/batch cancelled in .*: 20 succeeded, 0 failed, 10 cancelled/);
    // tenant-a's one request (its 429) is all it sent: its other rows waited out its back-off.
    expect(
      server.requests.filter((entry) => entry.keyName === "tenant-a").map((entry) => entry.status),
    ).toEqual([429]);

    server.reset();
    const resumed = await weft([...args, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(askedRows()).toHaveLength(count / 3);
    expectEveryRowOnce(output, count);
  }, 60_000);

  it.each([
    [["--concurrency", "10001"], "--concurrency: expected at most 10000, got 10001"],
    [["--max-waiting-rows", "100001"], "--max-waiting-rows: expected at most 100000, got 100001"],
    [["--max-waiting-rows", "-1"], "expected a whole number of at least 0"],
  ])("%j is a usage error (exit 2) before any row runs", async (extra, message) => {
    const dir = tempDir();
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(2, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const result = await weft([
      "batch",
      TENANT_FLOW,
      "--data",
      data,
      "--output",
      output,
      ...TENANT_MAPS,
      ...extra,
    ]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(message);
    expect(server.requests).toHaveLength(0);
  });

  it("repairs a half-written last line: its row runs again, no other", async () => {
    const dir = tempDir();
    const count = 20;
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(count, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const args = ["batch", TENANT_FLOW, "--data", data, "--output", output, ...TENANT_MAPS];
    expect((await weft(args)).code).toBe(0);
    // Keep 12 whole lines and half of the 13th, as a kill in the middle of a write leaves it.
    const lines = readFileSync(output, "utf8").split("\n").filter(Boolean);
    const kept = lines.slice(0, 12);
    const half = lines[12]!.slice(0, Math.floor(lines[12]!.length / 2));
    writeFileSync(output, `${kept.join("\n")}\n${half}`);
    server.reset();
    const resumed = await weft([...args, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `repaired ${output}: removed a half-written last line (${Buffer.byteLength(half)} bytes)`,
    );
    expect(askedRows()).toHaveLength(count - 12);
    expectEveryRowOnce(output, count);
  });

  it("reads CSV with quoted commas, doubled quotes and line breaks; a record of the wrong width is that row's error", async () => {
    const dir = tempDir();
    const endpoint = `${server.url}/openai/deployments/gpt-4o-mini`;
    const data = join(dir, "rows.csv");
    writeFileSync(
      data,
      [
        `question,"tenant name",key,endpoint`,
        `"Hello, world",tenant-a,${TENANTS[0]![1]},${endpoint}`,
        `"She said ""hi""",tenant-b,${TENANTS[1]![1]},${endpoint}`,
        `"two\nlines",tenant-c,${CANARY},${endpoint}`,
        `too,few`,
        "",
      ].join("\r\n"),
    );
    const output = join(dir, "results.jsonl");
    const result = await weft([
      "batch",
      TENANT_FLOW,
      "--data",
      data,
      "--output",
      output,
      "--map",
      "tenant=${data.tenant name}",
      "--map",
      "tenantKey=${data.key}",
    ]);
    expect(result.code, result.stderr).toBe(1);
    const lines = readResults(output).sort((a, b) => a.index - b.index);
    expect(lines.map((line) => line.status)).toEqual(["succeeded", "succeeded", "succeeded", "failed"]);
    expect(lines[3]!.error).toEqual({
      code: "batch.row",
      message: "line 6: expected 4 fields as in the header, got 2",
    });
    expect(askedRows().sort()).toEqual(["Hello, world", 'She said "hi"', "two\nlines"].sort());
    expectNoCanaryIn({ stdout: result.stdout, stderr: result.stderr, results: readFileSync(output, "utf8") });
  });

  it("makes a row without a required input, a broken line or hostile data that row's error, and runs the others", async () => {
    const dir = tempDir();
    const [good] = tenantRows(1, server.url, TENANTS);
    let deep = '"bottom"';
    for (let level = 0; level < 10_000; level++) deep = `[${deep}]`;
    const data = join(dir, "rows.jsonl");
    writeFileSync(
      data,
      [
        JSON.stringify(good),
        JSON.stringify({ ...good, q: undefined }),
        `{"q": "half`,
        `{"q": ${deep}}`,
        `{"q":"${"x".repeat(2 * 1024 * 1024)}"}`,
        `{"__proto__": {"q": "polluted"}, "constructor": "c", "q": "row-5", "tenant": "tenant-a", "key": "${TENANTS[0]![1]}", "endpoint": "${good!.endpoint}"}`,
        `"${CANARY}"`,
        "",
      ].join("\n"),
    );
    const output = join(dir, "results.jsonl");
    const result = await weft(["batch", TENANT_FLOW, "--data", data, "--output", output, ...TENANT_MAPS]);
    expect(result.code, result.stderr).toBe(1);
    const lines = readResults(output).sort((a, b) => a.index - b.index);
    expect(lines.map((line) => [line.index, line.status, line.error?.code])).toEqual([
      [0, "succeeded", undefined],
      [1, "failed", "input.invalid"],
      [2, "failed", "batch.row"],
      [3, "failed", "batch.row"],
      [4, "failed", "batch.row"],
      [5, "succeeded", undefined],
      [6, "failed", "batch.row"],
    ]);
    const messages = lines.map((line) => line.error?.message);
    expect(messages[1]).toBe(
      'missing required input: "question" (string): the row has no column "q" (map "${data.q}"); the row\'s columns: "tenant", "key", "endpoint"',
    );
    expect(messages[2]).toMatch(/^line 3: not valid JSON \(.+\)$/);
    expect(messages[3]).toMatch(/^nested deeper than 64 levels of arrays and objects/);
    expect(messages[4]).toBe("line 5: longer than 1 MiB (2.0 MiB); not read");
    expect(messages[6]).toBe("line 7: expected a JSON object of column values, got a string");
    expect(lines[5]!.outputs?.answer).toContain("row-5");
    expect(askedRows().sort()).toEqual(["row-0", "row-5"]);
    expect(result.stderr).toMatch(/2 succeeded, 5 failed/);
    expectNoCanaryIn({ stdout: result.stdout, stderr: result.stderr, results: readFileSync(output, "utf8") });
  });

  it("stops starting rows after --max-failures failures (exit 1)", async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 200 }, (_, index) => ({ other: index }));
    const data = writeJsonl(join(dir, "rows.jsonl"), rows);
    const output = join(dir, "results.jsonl");
    const result = await weft([
      "batch",
      TENANT_FLOW,
      "--data",
      data,
      "--output",
      output,
      "--max-failures",
      "5",
      "--concurrency",
      "2",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ stopReason: "max-failures" });
    expect(readResults(output).length).toBeLessThan(10);
    expect(result.stderr).toContain("stopped after too many failures (--max-failures)");
  });

  it("refuses bad command lines and data files with one line and exit 2", async () => {
    const dir = tempDir();
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(1, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const cases: Array<[string[], string]> = [
      [
        ["--data", join(dir, "missing.jsonl"), "--output", output],
        `error: --data ${join(dir, "missing.jsonl")}: cannot read it`,
      ],
      [
        ["--data", join(dir, "rows.txt"), "--output", output],
        "expected a .jsonl (one JSON object per line) or .csv file",
      ],
      [
        ["--data", data, "--output", output, "--map", "questoin=${data.q}"],
        'map questoin: unknown input "questoin"',
      ],
      [["--data", data, "--output", output, "--map", "question=${inputs.q}"], "expected ${data.<column>}"],
      [["--data", data, "--output", output, "--map", "question"], "--map: expected input=${data.<column>}"],
      [["--data", data, "--output", output, "--concurrency", "0"], "--concurrency"],
      [
        ["--data", data, "--output", join(dir, "no", "such", "dir.jsonl")],
        "cannot create it: no such file or directory",
      ],
    ];
    for (const [args, message] of cases) {
      const result = await weft(["batch", TENANT_FLOW, ...args]);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
    const csv = join(dir, "broken.csv");
    writeFileSync(csv, `q,tenant\n"fine",a\n"unclosed,${CANARY}\n`);
    const broken = await weft(["batch", TENANT_FLOW, "--data", csv, "--output", join(dir, "broken.jsonl")]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`error: --data ${csv}:`);
    expect(broken.stderr).toContain("a quoted field is not closed before the end of the file");
    expectNoCanaryIn({ stderr: broken.stderr });
  });

  it("appends to a results file that ended without its newline but whole", async () => {
    const dir = tempDir();
    const data = writeJsonl(join(dir, "rows.jsonl"), tenantRows(3, server.url, TENANTS));
    const output = join(dir, "results.jsonl");
    const args = ["batch", TENANT_FLOW, "--data", data, "--output", output, ...TENANT_MAPS];
    expect((await weft(args)).code).toBe(0);
    const lines = readFileSync(output, "utf8").split("\n").filter(Boolean);
    writeFileSync(output, lines.slice(0, 2).join("\n"));
    server.reset();
    expect((await weft([...args, "--resume"])).code).toBe(0);
    expect(askedRows()).toHaveLength(1);
    expectEveryRowOnce(output, 3);
  });
});
