import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_EVENT_NAMES } from "@weft/engine";
import { describe, expect, it } from "vitest";
import { ROOT, runCli, tempHome } from "./support/cli.js";

const VARIABLES = "examples/variables/variables.flow.json";
const TYPED = "test/fixtures/cli/typed-inputs.flow.json";
const SECRET = "test/fixtures/cli/secret-input.flow.json";
const FAILING = "test/fixtures/cli/failing.flow.json";
const INVALID = "test/fixtures/invalid";
const CANARY = "test-key-CANARY-123";

/** Runs `weft` with a fresh WEFT_HOME, so no test reads or writes the user's store. */
const weft = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env: { WEFT_HOME: tempHome(), ...env } });

/** Output made stable for snapshots: no absolute paths. */
const clean = (text: string) => text.split(ROOT).join("<root>");

/** A scratch directory for files a test writes (input files, traces). */
const scratch = () => mkdtempSync(join(tmpdir(), "weft-cli-test-"));

/** Asserts a user error: one `error:` line, no stack trace. */
function expectOneLineError(stderr: string, includes: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).toMatch(/^error: /);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).toContain(includes);
}

describe("weft run", () => {
  it("prints the outputs as JSON on stdout and a summary on stderr", async () => {
    const { code, stdout, stderr } = await weft(["run", VARIABLES]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ greeting: "Hello Contoso, you have 3 seats.", seats: 3 });
    expect(stderr).toMatch(/^✓ run succeeded in .* \(3 succeeded\)$/m);
  });

  it("prints only the run result as JSON with --json", async () => {
    const { code, stdout, stderr } = await weft(["run", VARIABLES, "--json", "--input", "customer=Fabrikam"]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      status: "succeeded",
      outputs: { greeting: "Hello Fabrikam, you have 3 seats.", seats: 3 },
      nodes: {
        customer: { status: "succeeded", output: "Fabrikam", attempts: 1 },
        seats: { status: "succeeded", output: 3 },
        greeting: { status: "succeeded" },
      },
    });
    expect(typeof result.runId).toBe("string");
    expect(stderr).toBe("");
  });

  it("coerces --input values to the declared types", async () => {
    const { code, stdout, stderr } = await weft([
      "run",
      TYPED,
      "--input",
      "name=Ada=Lovelace",
      "-i",
      "count=3",
      "--input",
      "verbose=true",
      "--input",
      'tags=["a","b"]',
    ]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      name: "Ada=Lovelace",
      count: 3,
      verbose: true,
      tags: ["a", "b"],
      summary: "Ada=Lovelace x3",
    });
  });

  it("names a missing required input (exit 2)", async () => {
    const { code, stdout, stderr } = await weft(["run", TYPED]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expectOneLineError(stderr, 'missing required input: "name" (string)');
  });

  it.each([
    [["--input", "name=x", "--input", "count=many"], 'input "count": expected a number, got "many"'],
    [
      ["--input", "name=x", "--input", "verbose=maybe"],
      'input "verbose": expected true or false, got "maybe"',
    ],
    [["--input", "name=x", "--input", "verbose=yes"], 'input "verbose": expected true or false, got "yes"'],
    [["--input", "name=x", "--input", "verbose=1"], 'input "verbose": expected true or false, got "1"'],
    [["--input", "name=x", "--input", "colour=red"], 'unknown input "colour"'],
    [["--input", "name"], '--input: expected name=value, got "name"'],
    [["--input-env", "name=WEFT_TEST_UNSET"], "environment variable WEFT_TEST_UNSET is not set"],
    [["--inputs-file", "does-not-exist.json"], "--inputs-file does-not-exist.json: no such file"],
  ])("refuses bad inputs %j with exit 2", async (args, message) => {
    const { code, stderr } = await weft(["run", TYPED, ...args]);
    expect(code).toBe(2);
    expectOneLineError(stderr, message);
  });

  it("reads inputs from --inputs-file, with --input winning over it", async () => {
    const dir = scratch();
    const file = join(dir, "inputs.json");
    writeFileSync(file, JSON.stringify({ name: "Bo", count: 2, tags: ["from-file"] }));
    const { code, stdout, stderr } = await weft(["run", TYPED, "--inputs-file", file, "--input", "count=5"]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ name: "Bo", count: 5, tags: ["from-file"] });
  });

  it("refuses an --inputs-file that is not a JSON object", async () => {
    const file = join(scratch(), "inputs.json");
    writeFileSync(file, "[1, 2]");
    const { code, stderr } = await weft(["run", TYPED, "--inputs-file", file]);
    expect(code).toBe(2);
    expectOneLineError(stderr, "expected a JSON object of input values");
  });

  it("reads a secret from the environment with --input-env and never prints it", async () => {
    const trace = join(scratch(), "trace.jsonl");
    const { code, stdout, stderr } = await weft(
      ["run", SECRET, "--input-env", "apiKey=WEFT_TEST_KEY", "--trace", trace, "--verbose"],
      { WEFT_TEST_KEY: CANARY },
    );
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ key: "***", header: "***" });
    const traceText = readFileSync(trace, "utf8");
    for (const text of [stdout, stderr, traceText]) expect(text).not.toContain(CANARY);
  });

  it("coerces --input-env values like --input", async () => {
    const { code, stdout, stderr } = await weft(
      ["run", TYPED, "--input-env", "name=WEFT_TEST_NAME", "--input-env", "count=WEFT_TEST_COUNT"],
      { WEFT_TEST_NAME: "Env", WEFT_TEST_COUNT: "7" },
    );
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ name: "Env", count: 7 });
  });

  it("writes every event to --trace as JSON lines, in order", async () => {
    const trace = join(scratch(), "trace.jsonl");
    const { code, stderr } = await weft(["run", VARIABLES, "--trace", trace]);
    expect(code, stderr).toBe(0);
    const events = readFileSync(trace, "utf8")
      .trimEnd()
      .split("\n")
      .map(
        (line) => JSON.parse(line) as { event: string; runId: string; timestamp: number; nodeId?: string },
      );
    const order = events.map((event) => (event.nodeId ? `${event.event}:${event.nodeId}` : event.event));
    expect(order[0]).toBe("run:start");
    expect(order.at(-1)).toBe("run:end");
    expect([...order].sort()).toEqual(
      [
        "run:start",
        ...["customer", "seats", "greeting"].flatMap((id) => [`node:start:${id}`, `node:end:${id}`]),
        "run:end",
      ].sort(),
    );
    // Each node ends after it starts; greeting reads both variables, so it starts after both writers end.
    for (const id of ["customer", "seats", "greeting"]) {
      expect(order.indexOf(`node:start:${id}`)).toBeLessThan(order.indexOf(`node:end:${id}`));
    }
    for (const writer of ["customer", "seats"]) {
      expect(order.indexOf(`node:end:${writer}`)).toBeLessThan(order.indexOf("node:start:greeting"));
    }
    const runId = events[0]!.runId;
    for (const event of events) {
      expect(RUN_EVENT_NAMES).toContain(event.event);
      expect(event.runId).toBe(runId);
      expect(typeof event.timestamp).toBe("number");
    }
    expect(events.at(-1)).toMatchObject({ status: "succeeded", result: { outputs: { seats: 3 } } });
    // Traces hold run data: only the owner may read them.
    expect(statSync(trace).mode & 0o777).toBe(0o600);
  });

  it("refuses a --trace file it cannot write with exit 2, before the run starts", async () => {
    const trace = join(scratch(), "missing-directory", "trace.jsonl");
    const { code, stdout, stderr } = await weft(["run", VARIABLES, "--trace", trace]);
    expect(code).toBe(2);
    expectOneLineError(stderr, `--trace ${trace}: cannot write it (its directory does not exist)`);
    expect(stdout).toBe("");
  });

  it.each(["0", "-1", "1.5", "many"])("refuses --concurrency %s with exit 2", async (value) => {
    const { code, stderr } = await weft(["run", VARIABLES, "--concurrency", value]);
    expect(code).toBe(2);
    expect(stderr).toContain("expected a whole number of at least 1");
  });

  it("accepts a valid --concurrency", async () => {
    const { code, stderr } = await weft(["run", VARIABLES, "--concurrency", "1"]);
    expect(code, stderr).toBe(0);
  });

  it("exits 1 when the run fails, with the error in one summary line and no stack trace", async () => {
    const { code, stdout, stderr } = await weft(["run", FAILING]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({ seats: null });
    expect(stderr).not.toMatch(/^\s+at /m);
    const summary = stderr.split("\n").filter((line) => line.startsWith("✗ run failed"));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toContain('node "seats": variable "seats": expected a number, got "three"');
    expect(stderr).toContain('after cancelled: node "seats" failed');
  });

  it("exits 1 with --json too, the error in the result", async () => {
    const { code, stdout } = await weft(["run", FAILING, "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      status: "failed",
      error: { code: "node.type", nodeId: "seats" },
      nodes: { seats: { status: "failed" }, after: { status: "cancelled", attempts: 0 } },
    });
  });

  it("refuses an invalid flow before running it (exit 2)", async () => {
    const { code, stdout, stderr } = await weft(["run", `${INVALID}/cycle/flow.json`]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(clean(stderr)).toMatchInlineSnapshot(`
      "error: test/fixtures/invalid/cycle/flow.json: invalid flow (1 problem):
        3:5 nodes[0]: cycle between nodes: "draft" → "final" → "review" → "draft"
      "
    `);
  });

  describe("with --json, errors are JSON on stdout too", () => {
    it("an invalid flow: every issue, with its line and column (exit 2)", async () => {
      const { code, stdout, stderr } = await weft(["run", `${INVALID}/cycle/flow.json`, "--json"]);
      expect(code).toBe(2);
      expect(JSON.parse(stdout)).toEqual({
        status: "error",
        error: {
          code: "flow.invalid",
          message: expect.stringContaining("invalid flow (1 problem)"),
          file: `${INVALID}/cycle/flow.json`,
          issues: [
            {
              code: "flow.cycle",
              message: 'cycle between nodes: "draft" → "final" → "review" → "draft"',
              path: "nodes[0]",
              nodeId: "draft",
              line: 3,
              column: 5,
            },
          ],
        },
      });
      // People reading the terminal still get the line on stderr.
      expect(stderr).toMatch(/^error: /);
    });

    it.each([
      [["no/such.flow.json"], "flow.file", "no/such.flow.json: no such file"],
      [
        [TYPED, "--input", "name=x", "--input", "verbose=yes"],
        "input.invalid",
        'expected true or false, got "yes"',
      ],
      [[TYPED], "input.invalid", 'missing required input: "name"'],
      [[VARIABLES, "--frobnicate"], "cli.usage", "unknown option '--frobnicate'"],
      [[VARIABLES, "--concurrency", "0"], "cli.usage", "expected a whole number of at least 1"],
    ])("%j: code %s (exit 2)", async (args, errorCode, message) => {
      const { code, stdout } = await weft(["run", ...args, "--json"]);
      expect(code).toBe(2);
      const printed = JSON.parse(stdout);
      expect(printed).toEqual({ status: "error", error: expect.objectContaining({ code: errorCode }) });
      expect(printed.error.message).toContain(message);
    });

    it("with --stream too, as one line", async () => {
      const { code, stdout } = await weft(["run", `${INVALID}/cycle/flow.json`, "--json", "--stream"]);
      expect(code).toBe(2);
      expect(stdout.split("\n")).toHaveLength(2);
      expect(JSON.parse(stdout)).toMatchObject({ status: "error", error: { code: "flow.invalid" } });
    });

    it("not without --json: stdout stays empty", async () => {
      const { code, stdout } = await weft(["run", `${INVALID}/cycle/flow.json`]);
      expect(code).toBe(2);
      expect(stdout).toBe("");
    });
  });

  it("--json --stream without a model: the events, then the result", async () => {
    const { code, stdout, stderr } = await weft(["run", VARIABLES, "--json", "--stream"]);
    expect(code, stderr).toBe(0);
    const lines = stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.slice(0, -1).map((line) => line.event)).toEqual([
      "run:start",
      ...["customer", "seats"].flatMap(() => ["node:start", "node:end"]),
      "node:start",
      "node:end",
    ]);
    expect(lines.at(-1)).toMatchObject({ status: "succeeded", outputs: { seats: 3 } });
  });

  it("says so when the flow file does not exist (exit 2)", async () => {
    const { code, stderr } = await weft(["run", "no/such.flow.json"]);
    expect(code).toBe(2);
    expectOneLineError(stderr, "no/such.flow.json: no such file");
  });
});

describe("weft validate", () => {
  const cases = readdirSync(join(ROOT, INVALID)).sort();

  it.each(cases)("%s: exit 2 and every problem, with file:line:column", async (name) => {
    const { code, stdout, stderr } = await weft(["validate", `${INVALID}/${name}/flow.json`]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(clean(stderr)).toMatchSnapshot();
  });

  it("passes a valid flow (exit 0)", async () => {
    const { code, stdout, stderr } = await weft(["validate", VARIABLES, TYPED]);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe(`✓ ${VARIABLES}\n✓ ${TYPED}\n`);
  });

  it("checks every file given and fails if any is invalid", async () => {
    const { code, stdout, stderr } = await weft([
      "validate",
      VARIABLES,
      `${INVALID}/self-dependency/flow.json`,
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe(`✓ ${VARIABLES}\n`);
    expect(stderr).toContain('node "loop" depends on itself');
  });

  it("prints the problems as JSON with --json", async () => {
    const { code, stdout } = await weft([
      "validate",
      "--json",
      VARIABLES,
      `${INVALID}/unknown-variable/flow.json`,
    ]);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual([
      { file: VARIABLES, valid: true, issues: [] },
      {
        file: `${INVALID}/unknown-variable/flow.json`,
        valid: false,
        issues: [
          {
            code: "flow.unknown-variable",
            message: "${vars.endpoitn} reads a variable no node writes: expected one of endpoint, copy",
            path: "nodes[1].inputs.value",
            nodeId: "copy",
            line: 8,
            column: 86,
          },
        ],
      },
    ]);
  });

  it("refuses misspelt output fields and a literal endpoint that can never work (exit 2)", async () => {
    const typo = `${INVALID}/unknown-output-field/flow.json`;
    const endpoint = `${INVALID}/invalid-literal-endpoint/flow.json`;
    const { code, stdout, stderr } = await weft(["validate", typo, endpoint]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.split("\n")).toEqual(
      expect.arrayContaining([
        `${typo}:12:15 outputs.answer: \${nodes.answer.output.contnet}: output of node "answer" (chat-completion) has no field "contnet" (did you mean "content"?); expected one of content, finishReason, model, usage, connection`,
        `${typo}:13:15 outputs.tokens: \${nodes.answer.output.usage.totalTokenz}: output.usage of node "answer" (chat-completion) has no field "totalTokenz" (did you mean "totalTokens"?); expected one of promptTokens, completionTokens, totalTokens`,
        `${endpoint}:7:66 nodes[0].inputs.endpoint: invalid input for create-azure-ai-connection: unsupported protocol ftp:: expected https://<resource>.services.ai.azure.com/models (Azure AI Foundry), https://<resource>.openai.azure.com/openai/deployments/<deployment> (Azure OpenAI) or the resource URL https://<resource>.openai.azure.com/ (the node's model names the deployment), got "ftp://example.com/x"`,
      ]),
    );
  });

  it("reports a file that does not exist (exit 2)", async () => {
    const { code, stderr } = await weft(["validate", "no/such.flow.json"]);
    expect(code).toBe(2);
    expect(stderr).toContain("no/such.flow.json: no such file");
  });
});

describe("weft graph", () => {
  it("prints Mermaid by default, with the flow's inputs and outputs", async () => {
    const { code, stdout } = await weft(["graph", VARIABLES]);
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "flowchart TD
        i0[/"<b>customer</b><br/><i>string input, optional</i>"/]
        i1[/"<b>seats</b><br/><i>number input, optional</i>"/]
        n0["<b>customer</b><br/><i>declare-variable</i>"]
        n1["<b>seats</b><br/><i>declare-variable</i>"]
        n2["<b>greeting</b><br/><i>declare-variable</i>"]
        o0[\\"<b>greeting</b><br/><i>output</i>"\\]
        o1[\\"<b>seats</b><br/><i>output</i>"\\]
        i0 --> n0
        i1 --> n1
        n0 -->|"vars.customer"| n2
        n1 -->|"vars.seats"| n2
        n2 -->|"vars.greeting"| o0
        n1 -->|"vars.seats"| o1
      "
    `);
  });

  it("shows the static fallback connection, the when condition and what the outputs read", async () => {
    const { code, stdout } = await weft([
      "graph",
      "examples/fallback-to-static/fallback-to-static.flow.json",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "flowchart TD
        i0[/"<b>question</b><br/><i>string input, optional</i>"/]
        i1[/"<b>bringOwnKey</b><br/><i>boolean input, optional</i>"/]
        i2[/"<b>customerKey</b><br/><i>secret input, optional</i>"/]
        i3[/"<b>customerEndpoint</b><br/><i>string input, optional</i>"/]
        c0[("<b>shared-foundry</b><br/><i>static connection</i>")]
        n0["<b>customer-connection</b><br/><i>create-azure-ai-connection</i><br/>when \${inputs.bringOwnKey}"]
        n1["<b>answer</b><br/><i>chat-completion</i>"]
        o0[\\"<b>answer</b><br/><i>output</i>"\\]
        o1[\\"<b>source</b><br/><i>output</i>"\\]
        o2[\\"<b>connection</b><br/><i>output</i>"\\]
        i1 -->|"when"| n0
        i2 --> n0
        i3 --> n0
        i0 --> n1
        c0 -.->|"fallback"| n1
        n0 -->|"connection: vars.customerConnection"| n1
        n1 -->|"output.content"| o0
        n1 -->|"output.connection.source"| o1
        n1 -->|"output.connection"| o2
      "
    `);
  });

  it("prints Graphviz DOT with --format dot", async () => {
    const { code, stdout } = await weft(["graph", VARIABLES, "--format", "dot"]);
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "digraph "variables" {
        rankdir=TB;
        node [shape=box, fontname="sans-serif"];
        "input:customer" [label="customer\\nstring input, optional", shape=parallelogram];
        "input:seats" [label="seats\\nnumber input, optional", shape=parallelogram];
        "customer" [label="customer (declare-variable)"];
        "seats" [label="seats (declare-variable)"];
        "greeting" [label="greeting (declare-variable)"];
        "output:greeting" [label="greeting\\noutput", shape=parallelogram, peripheries=2];
        "output:seats" [label="seats\\noutput", shape=parallelogram, peripheries=2];
        "input:customer" -> "customer";
        "input:seats" -> "seats";
        "customer" -> "greeting" [label="vars.customer"];
        "seats" -> "greeting" [label="vars.seats"];
        "greeting" -> "output:greeting" [label="vars.greeting"];
        "seats" -> "output:seats" [label="vars.seats"];
      }
      "
    `);
  });

  it("refuses an unknown format (exit 2)", async () => {
    const { code, stderr } = await weft(["graph", VARIABLES, "--format", "png"]);
    expect(code).toBe(2);
    expect(stderr).toContain("png");
  });
});

describe("weft schema", () => {
  it("prints the flow file's JSON Schema, with nodes required", async () => {
    const { code, stdout } = await weft(["schema"]);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema).toMatchObject({ type: "object", title: "Weft flow", required: ["nodes"] });
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["$schema", "name", "inputs", "nodes", "outputs"]),
    );
    expect(schema.properties.nodes.items.required).toEqual(expect.arrayContaining(["id", "type"]));
  });

  it("matches the committed schema/flow.schema.json, so the two cannot drift", async () => {
    const { stdout } = await weft(["schema"]);
    const committed = readFileSync(join(ROOT, "schema", "flow.schema.json"), "utf8");
    expect(committed).toBe(stdout);
  });

  it("is where the example flows' $schema says it is", () => {
    const examples = readdirSync(join(ROOT, "examples"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) =>
        readdirSync(join(ROOT, "examples", entry.name))
          .filter((file) => file.endsWith(".flow.json"))
          .map((file) => join(ROOT, "examples", entry.name, file)),
      );
    expect(examples.length).toBeGreaterThan(0);
    for (const file of examples) {
      const { $schema } = JSON.parse(readFileSync(file, "utf8")) as { $schema?: string };
      expect($schema, file).toBe("../../schema/flow.schema.json");
      expect(existsSync(join(file, "..", $schema!)), file).toBe(true);
    }
  });
});

describe("the command line itself", () => {
  it("prints help with exit 0", async () => {
    const { code, stdout } = await weft(["--help"]);
    expect(code).toBe(0);
    for (const command of ["run", "validate", "graph", "schema"]) expect(stdout).toContain(command);
  });

  it("has examples on every help page, and no (default: []) noise", async () => {
    const commandsOf = (help: string) =>
      [...(help.split("\nCommands:\n")[1] ?? "").matchAll(/^ {2}([a-z][\w-]*)/gm)]
        .map((match) => match[1]!)
        .filter((name) => name !== "help");
    const top = await weft(["--help"]);
    const pages: Array<[string, string]> = [["weft", top.stdout]];
    for (const command of commandsOf(top.stdout)) {
      const page = (await weft([command, "--help"])).stdout;
      pages.push([`weft ${command}`, page]);
      for (const sub of commandsOf(page))
        pages.push([`weft ${command} ${sub}`, (await weft([command, sub, "--help"])).stdout]);
    }
    expect(pages.map(([name]) => name)).toEqual(
      expect.arrayContaining(["weft run", "weft mock-llm", "weft connection create"]),
    );
    for (const [name, page] of pages) {
      expect(page, name).toMatch(/\nExamples:\n {2}\$ \S/);
      expect(page, name).not.toContain("(default: [])");
    }
  }, 60_000);

  it("refuses an unknown command with exit 2", async () => {
    const { code, stderr } = await weft(["frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });

  it("refuses a command without its argument with exit 2", async () => {
    const { code, stderr } = await weft(["run"]);
    expect(code).toBe(2);
    expect(stderr).toContain("missing required argument 'flow'");
  });
});
