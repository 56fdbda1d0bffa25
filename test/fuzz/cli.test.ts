import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunResult } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { openConnectionStore } from "@weft/store";
import { type LlmServer, startLlmServer } from "@weft/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe } from "vitest";
import { BIN, ROOT } from "../support/cli.js";
import { caseText, describeCase, type MutatedCase } from "./support/case-text.js";
import { parseFlowValue } from "./support/flow-text.js";
import { fuzzTest } from "./support/fuzz-property.js";
import { mutatedFlow, stressedFlow } from "./support/mutations.js";
import {
  CASE_TIMEOUT_MS,
  checkIssues,
  checkRunResult,
  expectationsOf,
  MAX_SMALL_CLI_OUTPUT_BYTES,
  PropertyViolation,
  SMALL_INPUT_LENGTH,
} from "./support/outcomes.js";
import { type FuzzWorld, validFlow } from "./support/valid-flows.js";

/**
 * Property-based tests of the bundled `weft` CLI on generated flow files: `weft validate` and
 * `weft run` must exit with one of their documented codes, print no stack trace and no internal
 * error, and keep their output in proportion. Fewer cases than the engine's: each one starts a
 * process. See test/fuzz/README.md.
 */

const KEYS = { shared: "fuzz-key-shared-0002", customer: "fuzz-key-customer-0002" };
const FILE = import.meta.filename;
/** Output past this is cut by the test, and is a failure: no flow of the suite's should get near it. */
const MAX_CAPTURED_BYTES = 64 * 1024 * 1024;

let server: LlmServer;
let world: FuzzWorld;
let directory: string;
let home: string;
let flowFile: string;

beforeAll(async () => {
  server = await startLlmServer({ keys: KEYS });
  directory = mkdtempSync(join(tmpdir(), "weft-fuzz-"));
  home = join(directory, "home");
  flowFile = join(directory, "case.flow.json");
  const store = openConnectionStore({ connectionKinds: builtinConnectionKinds, env: { WEFT_HOME: home } });
  await store.create("shared-foundry", {
    type: "azure-ai",
    endpoint: `${server.url}/models`,
    apiKey: KEYS.shared,
  });
  await store.create("shared-deployment", {
    type: "azure-ai",
    endpoint: `${server.url}/openai/deployments/gpt-4o-mini`,
    apiKey: KEYS.shared,
  });
  await store.create("shared-openai", { type: "openai", baseUrl: `${server.url}/v1`, apiKey: KEYS.shared });
  world = {
    serverUrl: server.url,
    staticConnections: ["shared-foundry", "shared-deployment", "shared-openai"],
    customerKey: KEYS.customer,
  };
});

afterAll(async () => {
  await server?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const violation = (message: string) => new PropertyViolation(message);

interface WeftOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  bytes: number;
}

/** Runs the bundled CLI on the case file; a run past the deadline is killed and fails as a hang. */
function runWeft(args: string[]): Promise<WeftOutcome> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: directory,
          NO_COLOR: "1",
          WEFT_HOME: home,
          CUSTOMER_KEY: KEYS.customer,
        },
        encoding: "buffer",
        maxBuffer: MAX_CAPTURED_BYTES,
        timeout: CASE_TIMEOUT_MS,
        killSignal: "SIGKILL",
      },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (failure?.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
          return reject(violation(`weft ${args[0]} printed more than ${MAX_CAPTURED_BYTES} bytes`));
        if (failure?.killed)
          return reject(violation(`weft ${args[0]} did not end within ${CASE_TIMEOUT_MS} ms (a hang)`));
        resolve({
          code: child.exitCode,
          signal: child.signalCode,
          stdout: stdout.toString("utf8"),
          stderr: stderr.toString("utf8"),
          bytes: stdout.length + stderr.length,
        });
      },
    );
  });
}

/** What every `weft` command must do: a documented exit code, no stack, no internal error, bounded output. */
function checkCommon(outcome: WeftOutcome, command: string, codes: readonly number[], text: string): void {
  if (outcome.code === null)
    throw violation(
      `weft ${command} was ended by ${outcome.signal} (a crash); stderr: ${outcome.stderr.slice(0, 500)}`,
    );
  if (!codes.includes(outcome.code))
    throw violation(
      `weft ${command} exited ${outcome.code}, expected ${codes.join(" or ")}; stderr: ${outcome.stderr.slice(0, 500)}`,
    );
  const stack = outcome.stderr.match(/^\s+at .+$/m);
  if (stack) throw violation(`weft ${command} printed a stack trace: ${JSON.stringify(stack[0])}`);
  const internal = outcome.stderr.match(/internal error.*$/m);
  if (internal) throw violation(`weft ${command} printed an internal error: ${internal[0].slice(0, 500)}`);
  if (Buffer.byteLength(text) <= SMALL_INPUT_LENGTH && outcome.bytes > MAX_SMALL_CLI_OUTPUT_BYTES)
    throw violation(
      `weft ${command} printed ${outcome.bytes} bytes for a flow of ${Buffer.byteLength(text)}, over the bound of ${MAX_SMALL_CLI_OUTPUT_BYTES}`,
    );
}

/** Valid flows now and then, mutated ones mostly, a large one now and then. */
const cliCase = () =>
  fc.record({
    fuzzCase: fc.oneof(
      { weight: 6, arbitrary: mutatedFlow(world) },
      { weight: 1, arbitrary: validFlow(world) as fc.Arbitrary<MutatedCase> },
      { weight: 1, arbitrary: stressedFlow(world) },
    ),
    json: fc.boolean(),
  });

type CliCase = { fuzzCase: MutatedCase; json: boolean };

const CLI_OPTIONS = {
  describe: ({ fuzzCase, json }: CliCase) =>
    `${json ? "with --json" : "without --json"}\n${describeCase(fuzzCase, 1_500)}`,
  size: ({ fuzzCase }: CliCase) => caseText(fuzzCase).length,
  file: FILE,
};

/** `--input name=value` for each run input (secrets from the environment); what argv cannot carry is left out. */
function inputArguments(inputs: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(inputs)) {
    if (name === "customerKey" && value === KEYS.customer) {
      args.push("--input-env", "customerKey=CUSTOMER_KEY");
      continue;
    }
    const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
    const pair = `${name}=${text}`;
    if (!pair.includes("\u0000") && pair.length <= 8_192) args.push("--input", pair);
  }
  return args;
}

describe("fuzz: weft CLI", () => {
  fuzzTest(
    "cli: weft validate exits 0 or 2, without stack traces, in bounded output",
    cliCase,
    async ({ fuzzCase, json }) => {
      const text = caseText(fuzzCase);
      writeFileSync(flowFile, text);
      const outcome = await runWeft(["validate", ...(json ? ["--json"] : []), flowFile]);
      checkCommon(outcome, "validate", [0, 2], text);
      if (!json) return;
      let report: Array<{ valid: boolean; issues: unknown }>;
      try {
        report = JSON.parse(outcome.stdout);
      } catch {
        throw violation(`weft validate --json printed no JSON: ${outcome.stdout.slice(0, 300)}`);
      }
      const [entry] = report;
      if (report.length !== 1 || !entry)
        throw violation(`weft validate --json: ${report.length} entries for one file`);
      if (entry.valid !== (outcome.code === 0))
        throw violation(`weft validate --json says valid: ${entry.valid} and exits ${outcome.code}`);
      checkIssues(entry.issues, "weft validate --json", parseFlowValue(readFileSync(flowFile, "utf8")));
    },
    CLI_OPTIONS,
  );

  fuzzTest(
    "cli: weft run exits 0, 1 or 2, without stack traces, in bounded output",
    cliCase,
    async ({ fuzzCase, json }) => {
      const text = caseText(fuzzCase);
      writeFileSync(flowFile, text);
      server.reset();
      const outcome = await runWeft([
        "run",
        flowFile,
        ...(json ? ["--json"] : []),
        ...inputArguments(fuzzCase.inputs),
      ]);
      checkCommon(outcome, "run", [0, 1, 2], text);
      if (outcome.code === 2 && outcome.stderr.trim() === "")
        throw violation("weft run exited 2 and said nothing on stderr");
      if (!json || outcome.code === 2) return;
      let result: RunResult;
      try {
        result = JSON.parse(outcome.stdout);
      } catch {
        throw violation(
          `weft run --json exited ${outcome.code} without a JSON result: ${outcome.stdout.slice(0, 300)}; stderr: ${outcome.stderr.slice(0, 300)}`,
        );
      }
      const flow = parseFlowValue(readFileSync(flowFile, "utf8"));
      checkRunResult(result, expectationsOf(flow, text.length), "weft run --json");
      if ((result.status === "succeeded") !== (outcome.code === 0))
        throw violation(`weft run --json: status ${result.status} with exit code ${outcome.code}`);
    },
    CLI_OPTIONS,
  );
});
