/**
 * The secret-leak audit. A canary key is sent through every way a key can enter a run — a stored
 * connection, a secret input, an `${env:…}` reference, a custom connection, and flows that copy the
 * key on purpose — with every outcome (success, 401, unreachable, a service that echoes the key)
 * and every way of running (the CLI's modes, the embedding API). Then every place anything lands
 * is searched for it: stdout, stderr, traces, run results, events, errors, snapshots, the offline
 * server's log and the store's bytes on disk. Positive controls make sure each run really did
 * what it claims, so the suite cannot pass by running nothing.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { inspect } from "node:util";
import {
  type ConnectionProvider,
  createEngine,
  defineNodeType,
  type Engine,
  type FlowDefinition,
  FlowError,
  InMemoryConnectionProvider,
  RUN_EVENT_NAMES,
  type RunEventName,
  type RunResult,
  Secret,
} from "@weft/engine";
import {
  builtinConnectionKinds,
  builtinNodeTypes,
  type CustomConnection,
  customConnectionKind,
} from "@weft/nodes";
import { openConnectionStore } from "@weft/store";
import { fingerprintKey, type LlmServer, type Rule, startLlmServer } from "@weft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { startServer } from "../examples/plugin/server.mjs";
import {
  CANARY,
  type CanaryForm,
  canaryForms,
  expectNoCanary,
  expectNoCanaryIn,
  readFilesUnder,
} from "./support/canary.js";
import { ROOT, runCli, tempHome } from "./support/cli.js";

/** A key the offline server also accepts, so that a 401 is about the canary and nothing else. */
const OTHER_KEY = "test-key-other-0b5e";
/** Nothing listens on port 9 (discard) on loopback: connections are refused at once. */
const UNREACHABLE = "http://127.0.0.1:9";
/** Engine retries fast enough for tests, but still two attempts, so that `node:retry` is seen. */
const FAST_RETRY = { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 };

const servers: LlmServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

// --- outcomes --------------------------------------------------------------------------------

type Outcome =
  | "ok"
  | "401"
  | "unreachable"
  | "echo-reply"
  | "echo-error"
  | "echo-cut-reply"
  | "echo-encoded-reply"
  | "echo-cut-error";
const OUTCOMES: readonly Outcome[] = ["ok", "401", "unreachable", "echo-reply", "echo-error"];
/**
 * Services that give the key back cut short or encoded: a reply that ends in the middle of the key
 * (a stream cut mid-key), a reply holding it base64-, base64url- and hex-encoded, and a plain-text
 * 401 whose key sits past the first 280 characters (where messages cut service text).
 */
const CUT_AND_ENCODED_OUTCOMES: readonly Outcome[] = [
  "echo-cut-reply",
  "echo-encoded-reply",
  "echo-cut-error",
];

/** The reply of `echo-cut-reply`: the key cut after 20 of its 28 characters. */
const CUT_REPLY = `Your key is ${CANARY.slice(0, 20)}`;
/** The reply of `echo-encoded-reply`: the key as a Basic credential, hex in both cases, base64url. */
const ENCODED_REPLY = [
  `Authorization: Basic ${Buffer.from(`user:${CANARY}`).toString("base64")}`,
  `dump ${Buffer.from(CANARY).toString("hex")}`,
  `DUMP ${Buffer.from(CANARY).toString("hex").toUpperCase()}`,
  `token ${Buffer.from(`{"k":"${CANARY}"}`).toString("base64url")}`,
].join(" ; ");
/** The body of `echo-cut-error`: the key starts at character 285, past where service text is cut. */
const CUT_ERROR_BODY = `${"x".repeat(280)} key=${CANARY}`;

/**
 * A server set up for one outcome. The offline server's reply functions never see the key, so a
 * service that echoes it is simulated by replying with the canary literally.
 */
async function serverFor(outcome: Outcome): Promise<LlmServer> {
  const keys: Record<string, string> =
    outcome === "401" ? { other: OTHER_KEY } : { customer: CANARY, other: OTHER_KEY };
  const rules: Rule[] =
    outcome === "echo-reply"
      ? [{ reply: `Your key ${CANARY} is valid.` }]
      : outcome === "echo-cut-reply"
        ? [{ reply: CUT_REPLY }]
        : outcome === "echo-encoded-reply"
          ? [{ reply: ENCODED_REPLY }]
          : outcome === "echo-cut-error"
            ? [{ fault: { type: "raw-body", status: 401, body: CUT_ERROR_BODY } }]
            : outcome === "echo-error"
              ? [
                  {
                    fault: {
                      type: "status",
                      status: 401,
                      code: "invalid_api_key",
                      message: `Incorrect API key provided: ${CANARY}.`,
                    },
                  },
                ]
              : [];
  const server = await startLlmServer({ keys, rules });
  servers.push(server);
  return server;
}

/** Whether the run is expected to succeed. */
const succeeds = (outcome: Outcome) =>
  outcome === "ok" ||
  outcome === "echo-reply" ||
  outcome === "echo-cut-reply" ||
  outcome === "echo-encoded-reply";

/** The HTTP status the server answers an outcome with (when the request reaches it). */
const answeredStatus = (outcome: Outcome) =>
  outcome === "echo-error" || outcome === "echo-cut-error" ? 401 : 200;

/** What the service's answer looks like once masked, in stdout or a message. */
const MASKED_ECHOES: Partial<Record<Outcome, string>> = {
  "echo-reply": "Your key *** is valid.",
  "echo-error": "provided: ***.",
  "echo-cut-reply": "Your key is ***",
  "echo-encoded-reply": "Authorization: Basic ",
  "echo-cut-error": `${"x".repeat(200)}`,
};

// --- paths -----------------------------------------------------------------------------------

type EndpointKind = "models" | "deployment";

/** One way for the canary to reach a request. */
interface KeyPath {
  id: "static-store" | "dynamic-input" | "env-reference" | "outputs-copy";
  endpointKind: EndpointKind;
  /** How the connection is kept in the store, for paths that use one. */
  store?: "sealed" | "env-reference";
  flow: () => FlowDefinition;
}

const STORED_NAME = "canary-stored";

const streamInput = { stream: { type: "boolean", default: false } } as const;
const dynamicInputs = {
  customerKey: { type: "secret" },
  customerEndpoint: { type: "string" },
  ...streamInput,
} as const;

function chatNode(connection: { connection: string } | { dynamicConnection: string }) {
  return {
    id: "answer",
    type: "chat-completion",
    ...connection,
    retry: FAST_RETRY,
    inputs: { model: "gpt-4o-mini", prompt: "Say hello", stream: "${inputs.stream}" },
  };
}

const customerConnectionNode = {
  id: "conn",
  type: "create-azure-ai-connection",
  inputs: {
    apiKey: "${inputs.customerKey}",
    endpoint: "${inputs.customerEndpoint}",
    variable: "customerConnection",
    name: "customer",
  },
};

const chatOutputs = {
  answer: "${nodes.answer.output.content}",
  connection: "${nodes.answer.output.connection}",
};

const PATHS: readonly KeyPath[] = [
  {
    // Static stored connection (created with --api-key-env).
    id: "static-store",
    endpointKind: "models",
    store: "sealed",
    flow: () => ({
      name: "leak-static",
      inputs: streamInput,
      nodes: [chatNode({ connection: STORED_NAME })],
      outputs: chatOutputs,
    }),
  },
  {
    // Dynamic connection from a secret input.
    id: "dynamic-input",
    endpointKind: "deployment",
    flow: () => ({
      name: "leak-dynamic",
      inputs: dynamicInputs,
      nodes: [customerConnectionNode, chatNode({ dynamicConnection: "${vars.customerConnection}" })],
      outputs: chatOutputs,
    }),
  },
  {
    // Stored ${env:NAME} reference (the canary only in the environment at run time).
    id: "env-reference",
    endpointKind: "deployment",
    store: "env-reference",
    flow: () => ({
      name: "leak-env-reference",
      inputs: streamInput,
      nodes: [chatNode({ connection: STORED_NAME })],
      outputs: chatOutputs,
    }),
  },
  {
    // Flow that copies the key and the connection into its outputs.
    id: "outputs-copy",
    endpointKind: "models",
    flow: () => ({
      name: "leak-outputs-copy",
      inputs: dynamicInputs,
      nodes: [
        customerConnectionNode,
        chatNode({ dynamicConnection: "${vars.customerConnection}" }),
        {
          id: "copy",
          type: "declare-variable",
          inputs: { name: "keyCopy", value: "${inputs.customerKey}" },
        },
        {
          id: "bearer",
          type: "declare-variable",
          inputs: { name: "authorization", value: "Bearer ${inputs.customerKey}" },
        },
        {
          id: "typed-secret",
          type: "declare-variable",
          inputs: { name: "keySecret", value: "${inputs.customerKey}", type: "secret" },
        },
        {
          // Fails (a key is not a plain string): its error message must not show the key either.
          id: "typed-string",
          type: "declare-variable",
          continueOnError: true,
          inputs: { name: "keyString", value: "${inputs.customerKey}", type: "string" },
        },
        {
          id: "connection-copy",
          type: "declare-variable",
          inputs: { name: "connectionCopy", value: "${vars.customerConnection}" },
        },
      ],
      outputs: {
        ...chatOutputs,
        conn: "${vars.customerConnection}",
        connNode: "${nodes.conn.output}",
        connApiKey: "${vars.customerConnection.apiKey}",
        connectionText: "connection: ${vars.customerConnection}",
        connectionCopy: "${vars.connectionCopy}",
        copied: "${vars.keyCopy}",
        bearer: "Bearer ${inputs.customerKey}",
        bearerVariable: "${vars.authorization}",
        keySecret: "${vars.keySecret}",
        keyString: "${vars.keyString}",
        key: "${inputs.customerKey}",
      },
    }),
  },
];

function endpointFor(path: KeyPath, outcome: Outcome, server: LlmServer): string {
  const base = outcome === "unreachable" ? UNREACHABLE : server.url;
  return path.endpointKind === "models" ? `${base}/models` : `${base}/openai/deployments/gpt-4o-mini`;
}

const usesInputs = (path: KeyPath) => path.store === undefined;

// --- positive controls -----------------------------------------------------------------------

/** What the server must have seen: the canary really went out (or, unreachable, nothing arrived). */
function expectRequests(server: LlmServer, outcome: Outcome, stream: boolean, where: string): void {
  const requests = server.requests;
  if (outcome === "unreachable") {
    expect(requests, `${where}: nothing should reach the server`).toHaveLength(0);
    return;
  }
  expect(requests.length, `${where}: requests`).toBeGreaterThanOrEqual(1);
  for (const request of requests) {
    if (outcome === "401") {
      // The server does not know the canary, but its fingerprint shows the canary was sent. (An
      // unknown key is refused before the body is read, so whether it streamed is not known.)
      expect(request, where).toMatchObject({ status: 401, keyFingerprint: fingerprintKey(CANARY) });
      expect(request.keyName, where).toBeUndefined();
    } else {
      expect(request, where).toMatchObject({
        keyName: "customer",
        status: answeredStatus(outcome),
        stream,
      });
    }
  }
}

/** The run's error and outputs, as the outcome says they should be. */
function expectRunResult(result: RunResult, outcome: Outcome, where: string): void {
  expect(result.status, where).toBe(succeeds(outcome) ? "succeeded" : "failed");
  switch (outcome) {
    case "ok":
      expect(result.outputs.answer, where).toMatch(/^Offline reply from gpt-4o-mini/);
      break;
    case "echo-reply":
      // The echoed key was in the reply and was masked: the redaction really had work to do.
      expect(result.outputs.answer, where).toBe("Your key *** is valid.");
      break;
    case "echo-cut-reply":
      // The reply ended 20 characters into the key: what there was of it is masked.
      expect(result.outputs.answer, where).toBe("Your key is ***");
      break;
    case "echo-encoded-reply": {
      // Each of the four encodings was found and masked; what is left are their edges.
      const answer = String(result.outputs.answer);
      expect(answer, where).toMatch(
        /^Authorization: Basic .*\*\*\*.* ; dump \*\*\* ; DUMP \*\*\* ; token .*\*\*\*/,
      );
      expect(answer.split("***").length - 1, where).toBe(4);
      break;
    }
    case "echo-cut-error":
      // The service's text was quoted (cut short), the key in it masked before the cut.
      expect(result.error, where).toMatchObject({ code: "llm.auth", status: 401, nodeId: "answer" });
      expect(result.error?.message, where).toContain(`${"x".repeat(200)}`);
      expect(result.error?.message, where).toContain("key=***");
      break;
    case "401":
      expect(result.error, where).toMatchObject({ code: "llm.auth", status: 401, nodeId: "answer" });
      break;
    case "echo-error":
      expect(result.error, where).toMatchObject({ code: "llm.auth", status: 401 });
      expect(result.error?.message, where).toContain("Incorrect API key provided: ***.");
      break;
    case "unreachable":
      expect(result.error, where).toMatchObject({ code: "llm.network", nodeId: "answer" });
      expect(result.error?.message, where).toMatch(/cannot reach 127\.0\.0\.1:9/);
      expect(result.nodes.answer?.attempts, where).toBe(FAST_RETRY.maxAttempts);
      break;
  }
}

/** The store exists and holds the connection the way the path says: sealed, or as a reference. */
function expectStore(home: string, path: KeyPath, where: string): void {
  const file = join(home, "connections.json");
  expect(existsSync(file), `${where}: ${file} exists`).toBe(true);
  const text = readFileSync(file, "utf8");
  expect(text, where).toContain(`"${STORED_NAME}"`);
  if (path.store === "sealed") {
    expect(text, where).toMatch(/"apiKey": ?"weft:v1:/);
    expect(existsSync(join(home, "secret.key")), `${where}: key file`).toBe(true);
  } else {
    expect(text, where).toContain('"${env:CANARY_KEY}"');
  }
}

// --- stores ----------------------------------------------------------------------------------

/** A random store key, for the paths that use `WEFT_SECRET_KEY` instead of a key file. */
const storeKey = () => randomBytes(32).toString("base64");

/**
 * Saves the stored connection through the CLI: with `--api-key-env` (sealed, key file), or an
 * `${env:CANARY_KEY}` reference on stdin (with `WEFT_SECRET_KEY`, and the canary nowhere in the
 * environment of the command that saves it). Returns the environment `weft run` needs.
 */
async function createStoredConnectionWithCli(
  path: KeyPath,
  endpoint: string,
  home: string,
  sinks: Sinks,
): Promise<Record<string, string>> {
  const args = ["connection", "create", STORED_NAME, "--type", "azure-ai", "--endpoint", endpoint];
  const sealed = path.store === "sealed";
  const secretKey = storeKey();
  const created = sealed
    ? await runCli([...args, "--api-key-env", "CANARY_KEY"], { env: { WEFT_HOME: home, CANARY_KEY: CANARY } })
    : await runCli([...args, "--api-key-stdin"], {
        env: { WEFT_HOME: home, WEFT_SECRET_KEY: secretKey },
        input: "${env:CANARY_KEY}\n",
      });
  expect(created.code, created.stderr).toBe(0);
  sinks.add("connection create › stdout", created.stdout);
  sinks.add("connection create › stderr", created.stderr);
  return sealed ? { WEFT_HOME: home } : { WEFT_HOME: home, WEFT_SECRET_KEY: secretKey, CANARY_KEY: CANARY };
}

/** The same two kinds of stored connection, saved through the engine's store API. */
async function createStoredConnectionWithApi(
  path: KeyPath,
  endpoint: string,
  home: string,
): Promise<ConnectionProvider> {
  if (path.store === "sealed") {
    await openConnectionStore({ connectionKinds: builtinConnectionKinds, env: { WEFT_HOME: home } }).create(
      STORED_NAME,
      {
        type: "azure-ai",
        endpoint,
        apiKey: CANARY,
      },
    );
    return openConnectionStore({ connectionKinds: builtinConnectionKinds, env: { WEFT_HOME: home } });
  }
  const secretKey = storeKey();
  await openConnectionStore({
    connectionKinds: builtinConnectionKinds,
    env: { WEFT_HOME: home, WEFT_SECRET_KEY: secretKey },
  }).create(STORED_NAME, {
    type: "azure-ai",
    endpoint,
    apiKey: "${env:CANARY_KEY}",
  });
  return openConnectionStore({
    connectionKinds: builtinConnectionKinds,
    env: { WEFT_HOME: home, WEFT_SECRET_KEY: secretKey, CANARY_KEY: CANARY },
  });
}

// --- sinks -----------------------------------------------------------------------------------

/** Collects the text of every sink of one test, labelled with the path, outcome and mode. */
class Sinks {
  readonly texts: Record<string, string> = {};
  constructor(readonly label: string) {}

  add(sink: string, text: string): void {
    this.texts[`${this.label} › ${sink}`] = text;
  }

  addFilesUnder(prefix: string, directory: string): void {
    for (const [file, bytes] of Object.entries(readFilesUnder(directory)))
      this.add(`${prefix}/${file}`, bytes);
  }

  /** Fails listing every sink that holds the canary; otherwise returns how many were searched. */
  check(forms?: CanaryForm[]): number {
    expectNoCanaryIn(this.texts, forms);
    return Object.keys(this.texts).length;
  }
}

const scratch = () => mkdtempSync(join(tmpdir(), "weft-leak-"));

// --- the CLI ---------------------------------------------------------------------------------

interface CliMode {
  name: string;
  args: (trace: string) => string[];
  json?: boolean;
  stream?: boolean;
  trace?: boolean;
  verbose?: boolean;
}

/**
 * Every flag, in four runs that together use each printer: outputs and summary (plain), the run
 * result with progress and node logs, tokens on stderr beside the outputs, events as JSON lines
 * before the result, and a trace of a request streamed and of one not.
 */
/** The run result on stdout: the whole of it under `--json`, its last line under `--json --stream`. */
function runResultOf(stdout: string, mode: CliMode): RunResult {
  return JSON.parse(mode.stream ? (stdout.trimEnd().split("\n").at(-1) ?? "") : stdout) as RunResult;
}

const CLI_MODES: readonly CliMode[] = [
  { name: "plain", args: () => [] },
  {
    name: "--json --verbose --trace",
    args: (trace) => ["--json", "--verbose", "--trace", trace],
    json: true,
    verbose: true,
    trace: true,
  },
  {
    name: "--stream --verbose --trace",
    args: (trace) => ["--stream", "--verbose", "--trace", trace, "--input", "stream=true"],
    stream: true,
    verbose: true,
    trace: true,
  },
  {
    name: "--json --stream",
    args: () => ["--json", "--stream", "--input", "stream=true"],
    json: true,
    stream: true,
  },
];

/** What `weft connection test` reports for each outcome. */
const TEST_OUTCOMES: Record<Outcome, string> = {
  ok: "ok",
  "echo-reply": "ok",
  "echo-cut-reply": "ok",
  "echo-encoded-reply": "ok",
  "401": "auth failed",
  "echo-error": "auth failed",
  "echo-cut-error": "auth failed",
  unreachable: "unreachable",
};

/** The paths the cut and encoded echoes go through: a stored Foundry connection and a customer's deployment. */
const CUT_AND_ENCODED_PATHS = PATHS.filter(
  (path) => path.id === "static-store" || path.id === "dynamic-input",
);

/** Every path with every outcome, and the cut and encoded echoes through both SDKs. */
const CASES = [
  ...PATHS.flatMap((path) => OUTCOMES.map((outcome) => ({ path, outcome }))),
  ...CUT_AND_ENCODED_PATHS.flatMap((path) => CUT_AND_ENCODED_OUTCOMES.map((outcome) => ({ path, outcome }))),
];

describe.concurrent("weft run (and weft connection test): the canary never leaves the process", () => {
  it.each(CASES)("$path.id × $outcome (every CLI mode)", async ({ path, outcome }) => {
    const server = await serverFor(outcome);
    const endpoint = endpointFor(path, outcome, server);
    const home = tempHome();
    const files = scratch();
    const sinks = new Sinks(`[${path.id} × ${outcome} × cli]`);
    const flowFile = join(files, `${path.id}.flow.json`);
    writeFileSync(flowFile, JSON.stringify(path.flow(), null, 2));

    let env: Record<string, string> = { WEFT_HOME: home };
    if (path.store) {
      env = await createStoredConnectionWithCli(path, endpoint, home, sinks);
    }
    const inputArgs = usesInputs(path)
      ? ["--input-env", "customerKey=CANARY_KEY", "--input", `customerEndpoint=${endpoint}`]
      : [];
    if (usesInputs(path)) env.CANARY_KEY = CANARY;

    for (const mode of CLI_MODES) {
      const where = `${path.id} × ${outcome} × weft run ${mode.name}`;
      const trace = join(files, `${mode.name.replace(/[^a-z]+/g, "-")}.trace.jsonl`);
      server.reset();
      const result = await runCli(["run", flowFile, ...inputArgs, ...mode.args(trace)], { env });
      sinks.add(`run ${mode.name} › stdout`, result.stdout);
      sinks.add(`run ${mode.name} › stderr`, result.stderr);
      sinks.add(`run ${mode.name} › server request log`, JSON.stringify(server.requests));

      // Positive controls: the run did what the outcome says, through the mode's printers.
      expect(result.code, `${where}\n${result.stderr}`).toBe(succeeds(outcome) ? 0 : 1);
      expect(result.stderr, where).not.toMatch(/internal error|\n\s+at /);
      expectRequests(server, outcome, mode.stream === true, where);
      const streamed = mode.stream && succeeds(outcome);
      if (mode.json && mode.stream) {
        // JSON lines: the events, then the run result.
        const lines = result.stdout
          .trimEnd()
          .split("\n")
          .map((line) => JSON.parse(line) as { event?: RunEventName });
        expectRunResult(lines.at(-1) as unknown as RunResult, outcome, where);
        if (streamed)
          expect(
            lines.map((line) => line.event),
            where,
          ).toContain("node:token");
      } else if (mode.json) {
        expectRunResult(JSON.parse(result.stdout) as RunResult, outcome, where);
      } else {
        expect(result.stderr, where).toMatch(succeeds(outcome) ? /run succeeded/ : /run failed/);
        // Stdout is only the outputs; tokens go to stderr.
        JSON.parse(result.stdout);
        if (streamed) expect(result.stderr, where).toMatch(/^\[answer\] /m);
      }
      if (mode.verbose) expect(result.stderr, where).toMatch(/● answer chat-completion started/);
      const echo = MASKED_ECHOES[outcome];
      if (echo) expect(result.stdout + result.stderr, where).toContain(echo);
      if (mode.trace) {
        const lines = readFileSync(trace, "utf8").trimEnd().split("\n");
        const names = lines.map((line) => (JSON.parse(line) as { event: RunEventName }).event);
        expect(names[0], where).toBe("run:start");
        expect(names.at(-1), where).toBe("run:end");
        expect(names, where).toContain("node:end");
        if (streamed) expect(names, where).toContain("node:token");
        if (outcome === "unreachable") expect(names, where).toContain("node:retry");
      }
    }

    if (path.store) {
      // The stored connection is also used outside any run: `weft connection test`.
      for (const json of [false, true]) {
        const mode = `connection test${json ? " --json" : ""}`;
        const where = `${path.id} × ${outcome} × weft ${mode}`;
        server.reset();
        const tested = await runCli(["connection", "test", STORED_NAME, ...(json ? ["--json"] : [])], {
          env,
        });
        sinks.add(`${mode} › stdout`, tested.stdout);
        sinks.add(`${mode} › stderr`, tested.stderr);
        sinks.add(`${mode} › server request log`, JSON.stringify(server.requests));
        expect(tested.code, `${where}\n${tested.stderr}`).toBe(succeeds(outcome) ? 0 : 1);
        expectRequests(server, outcome, false, where);
        const reported = json
          ? (JSON.parse(tested.stdout) as { outcome: string }).outcome.replace("-", " ")
          : tested.stdout;
        expect(reported, where).toContain(TEST_OUTCOMES[outcome]);
        if (outcome === "echo-error") expect(tested.stdout, where).toContain("provided: ***.");
        if (outcome === "echo-cut-error") expect(tested.stdout, where).toContain("key=***");
      }
      expectStore(home, path, `${path.id} × ${outcome}`);
    }
    sinks.addFilesUnder("WEFT_HOME", home);
    sinks.addFilesUnder("trace and flow files", files);
    expect(sinks.check()).toBeGreaterThanOrEqual(CLI_MODES.length * 3);
  });
});

describe.concurrent("weft run: input mistakes", () => {
  it("an --input-env value of the wrong type is refused without being quoted", async () => {
    const sinks = new Sinks("[input mistakes × cli]");
    const env = { WEFT_HOME: tempHome(), CANARY_KEY: CANARY, CANARY_JSON: `["${CANARY}"` };
    for (const pair of ["count=CANARY_KEY", "verbose=CANARY_KEY", "tags=CANARY_JSON"]) {
      const flow = "test/fixtures/cli/typed-inputs.flow.json";
      const result = await runCli(["run", flow, "--input", "name=x", "--input-env", pair], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^error: --input-env ${pair}: input "\\w+" expected `));
      sinks.add(`--input-env ${pair} › stdout`, result.stdout);
      sinks.add(`--input-env ${pair} › stderr`, result.stderr);
    }
    sinks.check();
  });
});

describe.concurrent("weft connection: the canary never leaves the store", () => {
  it.each(PATHS.filter((path) => path.store !== undefined))("$id: create, show and list", async (path) => {
    const home = tempHome();
    const sinks = new Sinks(`[${path.id} × weft connection]`);
    const env = await createStoredConnectionWithCli(path, `${UNREACHABLE}/models`, home, sinks);
    for (const args of [
      ["connection", "show", STORED_NAME],
      ["connection", "show", STORED_NAME, "--json"],
      ["connection", "list", "--json"],
    ]) {
      const shown = await runCli(args, { env });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain(STORED_NAME);
      sinks.add(`${args.slice(1).join(" ")} › stdout`, shown.stdout);
      sinks.add(`${args.slice(1).join(" ")} › stderr`, shown.stderr);
    }
    expectStore(home, path, path.id);
    sinks.addFilesUnder("WEFT_HOME", home);
    sinks.check();
  });

  it("a key given on the command line is refused without being echoed; stdin and update keep it sealed", async () => {
    const home = tempHome();
    const sinks = new Sinks("[store commands]");
    const args = [
      "connection",
      "create",
      "by-stdin",
      "--type",
      "azure-ai",
      "--endpoint",
      `${UNREACHABLE}/models`,
    ];
    const refused = await runCli([...args, "--api-key", CANARY], { env: { WEFT_HOME: home } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/API keys are not accepted on the command line/);
    sinks.add("create --api-key › stdout", refused.stdout);
    sinks.add("create --api-key › stderr", refused.stderr);

    const created = await runCli([...args, "--api-key-stdin"], {
      env: { WEFT_HOME: home },
      input: `${CANARY}\n`,
    });
    expect(created.code, created.stderr).toBe(0);
    const updated = await runCli(["connection", "update", "by-stdin", "--api-key-env", "CANARY_KEY"], {
      env: { WEFT_HOME: home, CANARY_KEY: `${CANARY}-rotated` },
    });
    expect(updated.code, updated.stderr).toBe(0);
    for (const [name, result] of Object.entries({ created, updated })) {
      sinks.add(`${name} › stdout`, result.stdout);
      sinks.add(`${name} › stderr`, result.stderr);
    }
    const store = readFileSync(join(home, "connections.json"), "utf8");
    expect(store).toContain('"by-stdin"');
    expect(store).toMatch(/"apiKey": ?"weft:v1:/);
    sinks.addFilesUnder("WEFT_HOME", home);
    sinks.check();
  });
});

// --- the embedding API -----------------------------------------------------------------------

/** Everything one run through the API let out, recorded for the search. */
interface ApiRun {
  result?: RunResult;
  thrown?: unknown;
  events: Array<{ name: RunEventName; event: unknown }>;
}

/** Runs a flow through `createEngine`, recording every event; never throws. */
async function runThroughApi(
  engine: Engine,
  flow: FlowDefinition,
  inputs: Record<string, unknown>,
  sinks: Sinks,
  mode: string,
): Promise<ApiRun> {
  const run: ApiRun = { events: [] };
  try {
    const handle = engine.run(flow, { inputs });
    for (const name of RUN_EVENT_NAMES) {
      handle.on(name, (event: unknown) => run.events.push({ name, event }));
    }
    run.result = await handle;
    sinks.add(`${mode} › run handle (util.inspect)`, inspect(handle, { depth: null, showHidden: true }));
  } catch (error) {
    run.thrown = error;
  }
  sinks.add(`${mode} › events (JSON)`, JSON.stringify(run.events));
  sinks.add(`${mode} › events (util.inspect)`, inspect(run.events, { depth: null, showHidden: true }));
  sinks.add(`${mode} › tokens joined`, joinTokens(run.events));
  sinks.add(`${mode} › RunResult (JSON)`, JSON.stringify(run.result ?? null));
  sinks.add(`${mode} › RunResult (util.inspect)`, inspect(run.result, { depth: null, showHidden: true }));
  if (run.thrown !== undefined) {
    const error = run.thrown as Error;
    sinks.add(`${mode} › thrown error message`, String(error?.message));
    sinks.add(`${mode} › thrown error stack`, String(error?.stack));
    sinks.add(`${mode} › thrown error (util.inspect)`, inspect(error, { depth: null, showHidden: true }));
  }
  return run;
}

/** The streamed text of each node and attempt, joined: a key cut across tokens shows whole here. */
function joinTokens(events: ApiRun["events"]): string {
  const streams = new Map<string, string>();
  for (const { name, event } of events) {
    if (name !== "node:token") continue;
    const { nodeId, attempt, token } = event as { nodeId: string; attempt: number; token: string };
    const key = `${nodeId}#${attempt}`;
    streams.set(key, (streams.get(key) ?? "") + token);
  }
  return [...streams].map(([stream, text]) => `${stream}: ${text}`).join("\n");
}

const eventNames = (run: ApiRun) => new Set(run.events.map((entry) => entry.name));

describe.concurrent("createEngine: the canary never leaves the run", () => {
  it.each(CASES)("$path.id × $outcome (streamed and not)", async ({ path, outcome }) => {
    const server = await serverFor(outcome);
    const endpoint = endpointFor(path, outcome, server);
    const home = tempHome();
    const sinks = new Sinks(`[${path.id} × ${outcome} × api]`);
    const connections = path.store ? await createStoredConnectionWithApi(path, endpoint, home) : undefined;
    const engine = createEngine({
      nodeTypes: builtinNodeTypes,
      connectionKinds: builtinConnectionKinds,
      ...(connections ? { connections } : {}),
    });
    for (const stream of [false, true]) {
      const mode = stream ? "streamed" : "not streamed";
      const where = `${path.id} × ${outcome} × api ${mode}`;
      server.reset();
      // A secret input as a string once and as a `Secret` once: both are the app's ways to give it.
      const customerKey = stream ? new Secret(CANARY) : CANARY;
      const inputs = usesInputs(path) ? { customerKey, customerEndpoint: endpoint, stream } : { stream };
      const run = await runThroughApi(engine, path.flow(), inputs, sinks, mode);
      sinks.add(`${mode} › server request log`, JSON.stringify(server.requests));

      expect(run.thrown, where).toBeUndefined();
      expectRunResult(run.result!, outcome, where);
      expectRequests(server, outcome, stream, where);
      const names = eventNames(run);
      for (const name of ["run:start", "node:start", "node:end", "run:end"] as const)
        expect(names.has(name), `${where}: ${name}`).toBe(true);
      if (stream && succeeds(outcome)) expect(names.has("node:token"), `${where}: node:token`).toBe(true);
      if (outcome === "unreachable") expect(names.has("node:retry"), `${where}: node:retry`).toBe(true);
      if (path.id === "outputs-copy") {
        const outputs = run.result!.outputs;
        expect(outputs.bearer, where).toBe("***");
        expect(outputs.copied, where).toBe("***");
        expect(outputs.conn, where).toMatchObject({ type: "azure-ai", apiKey: "***" });
        expect(run.result!.nodes["typed-string"]?.status, where).toBe("failed");
      }
    }
    if (path.store) expectStore(home, path, `${path.id} × ${outcome}`);
    sinks.addFilesUnder("WEFT_HOME", home);
    sinks.check();
  });

  it("a run refused before it starts throws errors that do not show the key", async () => {
    const engine = createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds });
    const sinks = new Sinks("[dynamic-input × refused × api]");
    const flow = PATHS.find((path) => path.id === "dynamic-input")!.flow();
    const refusals: Record<string, Record<string, unknown>> = {
      "missing input": { customerKey: CANARY },
      "unknown input": {
        customerKey: CANARY,
        customerEndpoint: "http://127.0.0.1:9/models",
        customerKye: CANARY,
      },
      "secret of the wrong type": {
        customerKey: { key: CANARY },
        customerEndpoint: "http://127.0.0.1:9/models",
      },
    };
    for (const [mode, inputs] of Object.entries(refusals)) {
      const run = await runThroughApi(engine, flow, inputs, sinks, mode);
      expect(run.thrown, mode).toBeInstanceOf(FlowError);
      expect((run.thrown as FlowError).code, mode).toBe("input.invalid");
    }
    sinks.check();
  });
});

// --- a custom connection secret, through a custom node type that misbehaves ------------------

type Behaviour = "return" | "throw" | "retry" | "cut-stream";

/**
 * A node type that resolves a `custom` connection and then does everything it should not with its
 * secret: logs it, streams it (whole and cut in two), returns it in every shape, throws it.
 */
const leakyNode = defineNodeType({
  type: "leaky-custom",
  description: "Misbehaves with its connection's secret, to prove the run scrubs it.",
  // Any record of strings: the behaviour to show.
  input: customConnectionKind.fields.shape.configs,
  usesConnection: true,
  retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
  async run(input, context) {
    const resolved = await context.connection();
    if (resolved.connection.type !== "custom") throw new Error("expected a custom connection");
    const connection = resolved.connection as CustomConnection;
    const token = connection.secrets.token!;
    const key = token.reveal();
    context.log.info(`calling upstream with ${key}`);
    context.log.warn(`Authorization: Bearer ${key}`);
    context.log.debug(inspect(connection, { depth: null }));
    context.emit(key);
    context.emit(` then cut in two: ${key.slice(0, 11)}`);
    context.emit(key.slice(11));
    const behaviour = input.behaviour as Behaviour;
    if (behaviour === "cut-stream") {
      // The upstream hangs up six characters into the key: too short a start to scrub as text.
      context.emit(` and then ${key.slice(0, 6)}`);
      throw new Error("upstream hung up");
    }
    if (behaviour === "throw") throw new Error(`upstream refused ${key}`);
    if (behaviour === "retry" && context.attempt === 1) {
      throw new FlowError("llm.server", `upstream flaked for ${key}`, { retryable: true });
    }
    return {
      key,
      header: `Bearer ${key}`,
      nested: { deep: [{ key }, [key]] },
      byKey: { [key]: { requests: 1 } },
      secret: token,
      connection,
      configs: connection.configs,
    };
  },
});

describe.concurrent("a custom node type with a custom connection secret", () => {
  const behaviours: readonly Behaviour[] = ["return", "throw", "retry", "cut-stream"];
  it.each(behaviours)("misbehaves (%s): logs, streams, returns and throws the secret", async (behaviour) => {
    const provider = new InMemoryConnectionProvider({
      "canary-custom": {
        type: "custom",
        configs: { region: "westeurope" },
        secrets: { token: new Secret(CANARY) },
      },
    });
    const engine = createEngine({
      nodeTypes: [...builtinNodeTypes, leakyNode],
      connectionKinds: builtinConnectionKinds,
      connections: provider,
    });
    const sinks = new Sinks(`[custom-secret × ${behaviour} × api]`);
    const flow: FlowDefinition = {
      name: "leak-custom",
      nodes: [
        { id: "leaky", type: "leaky-custom", connection: "canary-custom", inputs: { behaviour } },
        {
          id: "copy",
          type: "declare-variable",
          inputs: { name: "copy", value: "${nodes.leaky.output.key}" },
        },
      ],
      outputs: {
        leaked: "${nodes.leaky.output}",
        key: "${nodes.leaky.output.key}",
        copy: "${vars.copy}",
        text: "key=${nodes.leaky.output.key}",
      },
    };
    const run = await runThroughApi(engine, flow, {}, sinks, "api");
    sinks.add("connection provider (util.inspect)", inspect(provider, { depth: null, showHidden: true }));

    // Positive controls: the node really ran, logged, streamed, and failed or succeeded as told.
    expect(run.thrown).toBeUndefined();
    const names = eventNames(run);
    for (const name of ["node:log", "node:token", "node:end", "run:end"] as const)
      expect(names.has(name), name).toBe(true);
    const result = run.result!;
    const leaky = result.nodes.leaky!;
    if (behaviour === "throw") {
      expect(result.status).toBe("failed");
      expect(leaky.error).toMatchObject({ code: "node.error", message: "upstream refused ***" });
    } else if (behaviour === "cut-stream") {
      // The stream was cut after the start of the key: what was held back is masked, not let out.
      expect(result.status).toBe("failed");
      const tokens = joinTokens(run.events);
      expect(tokens).toMatch(/ and then \*\*\*$/);
      expect(tokens).not.toContain(CANARY.slice(0, 6));
    } else {
      expect(result.status).toBe("succeeded");
      expect(result.outputs.key).toBe("***");
      expect(result.outputs.copy).toBe("***");
      expect(result.outputs.text).toBe("key=***");
      expect(leaky.attempts).toBe(behaviour === "retry" ? 2 : 1);
      if (behaviour === "retry") expect(names.has("node:retry")).toBe(true);
    }
    sinks.check();
  });
});

// --- credentials in endpoint URLs -------------------------------------------------------------

/** Endpoints carrying the canary as a password or a query parameter, parsed by `new URL()` or not. */
const CREDENTIAL_ENDPOINTS = [
  {
    name: "user:KEY@ with a port out of range",
    endpoint: `https://user:${CANARY}@example.com:99999/models`,
    refused: "the endpoint must not contain credentials",
    shown: "https://***@example.com:99999/models",
  },
  {
    name: "?api-key=KEY in an unrecognised endpoint",
    endpoint: `https://example.com/v1/chat?api-key=${CANARY}`,
    refused: "unrecognised Azure AI endpoint",
    shown: "https://example.com/v1/chat?api-key=***",
  },
] as const;

/** A customer flow that also copies its endpoint into a variable and the outputs, as the examples do. */
function endpointEchoFlow(): FlowDefinition {
  return {
    name: "leak-endpoint",
    inputs: dynamicInputs,
    nodes: [
      {
        id: "endpoint",
        type: "declare-variable",
        inputs: { name: "endpoint", value: "${inputs.customerEndpoint}" },
      },
      {
        ...customerConnectionNode,
        inputs: { ...customerConnectionNode.inputs, endpoint: "${vars.endpoint}" },
      },
      chatNode({ dynamicConnection: "${vars.customerConnection}" }),
    ],
    outputs: { endpoint: "${vars.endpoint}", text: "endpoint: ${inputs.customerEndpoint}" },
  };
}

describe.concurrent("credentials in endpoint URLs never leave the process", () => {
  it.each(CREDENTIAL_ENDPOINTS)("weft run and createEngine: $name", async ({ endpoint, refused, shown }) => {
    const home = tempHome();
    const files = scratch();
    const sinks = new Sinks(`[endpoint ${shown}]`);
    const flowFile = join(files, "endpoint.flow.json");
    writeFileSync(flowFile, JSON.stringify(endpointEchoFlow(), null, 2));
    const env = { WEFT_HOME: home, OTHER_KEY };
    const inputArgs = ["--input-env", "customerKey=OTHER_KEY", "--input", `customerEndpoint=${endpoint}`];
    for (const mode of CLI_MODES) {
      const where = `endpoint × weft run ${mode.name}`;
      const trace = join(files, `${mode.name.replace(/[^a-z]+/g, "-")}.trace.jsonl`);
      const result = await runCli(["run", flowFile, ...inputArgs, ...mode.args(trace)], { env });
      sinks.add(`run ${mode.name} › stdout`, result.stdout);
      sinks.add(`run ${mode.name} › stderr`, result.stderr);
      // Positive controls: the endpoint was refused, and both the refusal and the copies show it masked.
      expect(result.code, `${where}\n${result.stderr}`).toBe(1);
      expect(result.stdout + result.stderr, where).toContain(refused);
      expect(result.stdout + result.stderr, where).toContain(shown);
      if (mode.json) {
        const run = runResultOf(result.stdout, mode);
        // A literal checked at validate time, a reference when the node's inputs are checked.
        expect(run.nodes.conn?.error, where).toMatchObject({ code: "node.input" });
        expect(run.nodes.conn?.error?.message, where).toContain(`got "${shown}"`);
        expect(run.nodes.endpoint?.output, where).toBe(shown);
        expect(run.outputs, where).toEqual({ endpoint: shown, text: `endpoint: ${shown}` });
      }
      if (mode.trace) expect(readFileSync(trace, "utf8"), where).toContain(shown);
    }
    sinks.addFilesUnder("trace and flow files", files);

    const engine = createEngine({ nodeTypes: builtinNodeTypes });
    const run = await runThroughApi(
      engine,
      endpointEchoFlow(),
      { customerKey: OTHER_KEY, customerEndpoint: endpoint },
      sinks,
      "api",
    );
    expect(run.result?.status).toBe("failed");
    expect(run.result?.error?.message).toContain(refused);
    expect(run.result?.outputs.endpoint).toBe(shown);
    expect(eventNames(run).has("node:end")).toBe(true);
    sinks.check();
  });

  it("createEngine: a key in the query of an endpoint that works is masked wherever the endpoint is copied", async () => {
    const server = await serverFor("ok");
    const sinks = new Sinks("[endpoint ?api-key= that works × api]");
    const endpoint = `${server.url}/models?api-key=${CANARY}`;
    const engine = createEngine({ nodeTypes: builtinNodeTypes });
    const run = await runThroughApi(
      engine,
      endpointEchoFlow(),
      { customerKey: OTHER_KEY, customerEndpoint: endpoint, stream: true },
      sinks,
      "api",
    );
    sinks.add("server request log", JSON.stringify(server.requests));
    // Positive controls: the run used the endpoint (its query left out), and copies show it masked.
    expect(run.result?.status).toBe("succeeded");
    expect(server.requests).toMatchObject([{ keyName: "other", status: 200, stream: true }]);
    expect(run.result?.outputs.endpoint).toBe(`${server.url}/models?api-key=***`);
    expect(eventNames(run).has("node:token")).toBe(true);
    sinks.check();
  });

  it("weft connection create, update and import refuse credentials in URLs without echoing them", async () => {
    const home = tempHome();
    const files = scratch();
    const sinks = new Sinks("[connection commands × URLs with credentials]");
    const env = { WEFT_HOME: home, OTHER_KEY };
    const azure = ["connection", "create", "c", "--type", "azure-ai", "--api-key-env", "OTHER_KEY"];
    const openai = ["connection", "create", "o", "--type", "openai", "--api-key-env", "OTHER_KEY"];
    const promptflow = (name: string, text: string) => {
      const file = join(files, name);
      writeFileSync(file, text);
      return ["connection", "import", file];
    };
    const attempts: Array<{ args: string[]; refused: RegExp }> = [
      ...CREDENTIAL_ENDPOINTS.map(({ endpoint }) => ({
        args: [...azure, "--endpoint", endpoint],
        refused: /^error: connection "c" endpoint: (expected a URL without|unrecognised Azure AI endpoint)/,
      })),
      {
        args: [...azure, "--endpoint", `https://res.services.ai.azure.com/models?api-key=${CANARY}`],
        refused: /^error: connection "c" endpoint: expected a URL without a key in its query/,
      },
      {
        args: [...openai, "--base-url", `https://user:${CANARY}@example.com:99999/v1`],
        refused: /^error: connection "o" baseUrl: expected a URL without credentials/,
      },
      {
        args: [...openai, "--base-url", `https://example.com:99999/v1?api-key=${CANARY}`],
        refused: /^error: connection "o" baseUrl: expected a URL without a key in its query/,
      },
      {
        args: promptflow(
          "azure.yaml",
          `name: pf\ntype: azure_open_ai\napi_key: \${env:OTHER_KEY}\napi_base: https://user:${CANARY}@res.openai.azure.com:99999/\n`,
        ),
        refused: /api_base \(connection "pf"\): expected a URL without credentials/,
      },
      {
        args: promptflow(
          "serverless.yaml",
          `name: pf\ntype: serverless\napi_key: \${env:OTHER_KEY}\napi_base: https://llama.example.com/v1?api-key=${CANARY}\n`,
        ),
        refused: /api_base \(connection "pf"\): expected a URL without a key in its query/,
      },
    ];
    for (const { args, refused } of attempts) {
      const result = await runCli(args, { env });
      const where = args.slice(0, 3).join(" ");
      sinks.add(`${where} › stdout`, result.stdout);
      sinks.add(`${where} › stderr`, result.stderr);
      expect(result.code, `${where}\n${result.stderr}`).toBe(2);
      expect(result.stderr, where).toMatch(refused);
    }
    // Positive control for update: a stored connection whose endpoint is then given with a key.
    const created = await runCli([...azure, "--endpoint", "https://res.services.ai.azure.com/models"], {
      env,
    });
    expect(created.code, created.stderr).toBe(0);
    const updated = await runCli(
      ["connection", "update", "c", "--endpoint", CREDENTIAL_ENDPOINTS[0].endpoint],
      {
        env,
      },
    );
    expect(updated.code).toBe(2);
    expect(updated.stderr).toMatch(/expected a URL without credentials/);
    sinks.add("update › stderr", updated.stderr);
    sinks.addFilesUnder("WEFT_HOME", home);
    sinks.check();
  });

  it("a stored ${env:NAME} endpoint that holds credentials: weft run, connection test and the API", async () => {
    const home = tempHome();
    const files = scratch();
    const sinks = new Sinks("[${env:CANARY_ENDPOINT} endpoint]");
    const created = await runCli(
      [
        "connection",
        "create",
        STORED_NAME,
        "--type",
        "azure-ai",
        "--endpoint",
        "${env:CANARY_ENDPOINT}",
        "--api-key-env",
        "OTHER_KEY",
      ],
      { env: { WEFT_HOME: home, OTHER_KEY } },
    );
    expect(created.code, created.stderr).toBe(0);
    const flow = PATHS.find((path) => path.id === "static-store")!.flow();
    const flowFile = join(files, "static.flow.json");
    writeFileSync(flowFile, JSON.stringify(flow));
    for (const { endpoint } of [
      CREDENTIAL_ENDPOINTS[0],
      { endpoint: `https://res.services.ai.azure.com/models?api-key=${CANARY}` },
    ]) {
      const env = { WEFT_HOME: home, CANARY_ENDPOINT: endpoint };
      for (const args of [
        ["run", flowFile],
        ["run", flowFile, "--json", "--verbose", "--trace", join(files, "env.trace.jsonl")],
        ["connection", "test", STORED_NAME],
        ["connection", "test", STORED_NAME, "--json"],
        ["connection", "show", STORED_NAME],
      ]) {
        const result = await runCli(args, { env });
        const where = `${args.join(" ")} (${endpoint.slice(0, 12)})`;
        sinks.add(`${where} › stdout`, result.stdout);
        sinks.add(`${where} › stderr`, result.stderr);
        if (args[1] === "show") {
          expect(result.stdout, where).toContain("endpoint: ${env:CANARY_ENDPOINT}");
          continue;
        }
        // Positive control: the variable was read, and what it held refused by name (an invalid
        // connection: exit 2, for the run as for the test).
        expect(result.code, `${where}\n${result.stderr}`).toBe(2);
        expect(result.stdout + result.stderr, where).toMatch(
          new RegExp(`connection "${STORED_NAME}" endpoint: expected a URL without`),
        );
      }
      const provider = openConnectionStore({
        connectionKinds: builtinConnectionKinds,
        env: { WEFT_HOME: home, CANARY_ENDPOINT: endpoint },
      });
      const engine = createEngine({ nodeTypes: builtinNodeTypes, connections: provider });
      const run = await runThroughApi(engine, flow, {}, sinks, `api (${endpoint.slice(0, 12)})`);
      expect(run.result?.status).toBe("failed");
      expect(run.result?.error?.message).toMatch(/endpoint: expected a URL without/);
    }
    sinks.addFilesUnder("WEFT_HOME", home);
    sinks.addFilesUnder("trace and flow files", files);
    sinks.check();
  });
});

// --- a key learned late, and a key with characters that encodings change ---------------------

/**
 * The customer's key as a plain `string` input: it becomes a secret only when the connection node
 * runs, after two nodes have copied it. Those copies end before, and must be scrubbed all the same.
 */
function plainKeyFlow(): FlowDefinition {
  return {
    name: "leak-plain-key",
    inputs: { ...dynamicInputs, customerKey: { type: "string" } },
    nodes: [
      { id: "copy", type: "declare-variable", inputs: { name: "keyCopy", value: "${inputs.customerKey}" } },
      {
        id: "greeting",
        type: "declare-variable",
        inputs: { name: "greeting", value: "your key: ${inputs.customerKey}" },
      },
      { ...customerConnectionNode, dependsOn: ["copy", "greeting"] },
      chatNode({ dynamicConnection: "${vars.customerConnection}" }),
    ],
    outputs: { ...chatOutputs, copied: "${vars.keyCopy}", greeting: "${vars.greeting}" },
  };
}

describe.concurrent("a key given as a plain string input, used as a key later", () => {
  it("is scrubbed from the events of the nodes that ended before (weft run, every mode, and the API)", async () => {
    const server = await serverFor("ok");
    const endpoint = `${server.url}/openai/deployments/gpt-4o-mini`;
    const home = tempHome();
    const files = scratch();
    const sinks = new Sinks("[plain string key]");
    const flowFile = join(files, "plain-key.flow.json");
    writeFileSync(flowFile, JSON.stringify(plainKeyFlow(), null, 2));
    const env = { WEFT_HOME: home, CANARY_KEY: CANARY };
    const inputArgs = ["--input-env", "customerKey=CANARY_KEY", "--input", `customerEndpoint=${endpoint}`];
    for (const mode of CLI_MODES) {
      const where = `plain key × weft run ${mode.name}`;
      const trace = join(files, `${mode.name.replace(/[^a-z]+/g, "-")}.trace.jsonl`);
      server.reset();
      const result = await runCli(["run", flowFile, ...inputArgs, ...mode.args(trace)], { env });
      sinks.add(`run ${mode.name} › stdout`, result.stdout);
      sinks.add(`run ${mode.name} › stderr`, result.stderr);
      sinks.add(`run ${mode.name} › server request log`, JSON.stringify(server.requests));
      expect(result.code, `${where}\n${result.stderr}`).toBe(0);
      expectRequests(server, "ok", mode.stream === true, where);
      if (mode.json) {
        const run = runResultOf(result.stdout, mode);
        expect(run.outputs, where).toMatchObject({ copied: "***", greeting: "your key: ***" });
      }
      if (mode.trace) {
        // Positive control: the copies ended before the key was made a secret.
        const events = readFileSync(trace, "utf8")
          .trimEnd()
          .split("\n")
          .map((line) => JSON.parse(line) as { event: string; nodeId?: string; output?: unknown });
        const copied = events.findIndex((entry) => entry.event === "node:end" && entry.nodeId === "copy");
        const connected = events.findIndex(
          (entry) => entry.event === "node:start" && entry.nodeId === "conn",
        );
        expect(copied, where).toBeGreaterThan(-1);
        expect(copied, where).toBeLessThan(connected);
        expect(events[copied]?.output, where).toBe("***");
      }
    }
    sinks.addFilesUnder("trace and flow files", files);

    const engine = createEngine({ nodeTypes: builtinNodeTypes });
    for (const stream of [false, true]) {
      server.reset();
      const mode = `api ${stream ? "streamed" : "not streamed"}`;
      const run = await runThroughApi(
        engine,
        plainKeyFlow(),
        { customerKey: CANARY, customerEndpoint: endpoint, stream },
        sinks,
        mode,
      );
      expect(run.result?.status, mode).toBe("succeeded");
      expect(run.result?.outputs, mode).toMatchObject({ copied: "***", greeting: "your key: ***" });
      expectRequests(server, "ok", stream, mode);
    }
    sinks.check();
  });
});

/** A key with characters URL-encoding and base64 change: `/`, `+`, `=`. */
const SPECIAL_CANARY = "test-key-CANARY-9b8a/7c6d+5e4f=";

describe.concurrent("a key with characters that encodings change, echoed encoded", () => {
  it("is scrubbed URL-encoded (either case), hex and base64 at any alignment (weft run and the API)", async () => {
    const bytes = Buffer.from(SPECIAL_CANARY);
    const reply = [
      `GET /v1?key=${encodeURIComponent(SPECIAL_CANARY)}`,
      `get /v1?k=${encodeURIComponent(SPECIAL_CANARY).replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase())}`,
      `hex ${bytes.toString("hex")}`,
      ...["", "a", "ab"].map(
        (prefix) => `b64 ${Buffer.from(`${prefix}${SPECIAL_CANARY}!`).toString("base64")}`,
      ),
      `b64url ${Buffer.from(`x${SPECIAL_CANARY}`).toString("base64url")}`,
    ].join(" | ");
    const server = await startLlmServer({ keys: { customer: SPECIAL_CANARY }, rules: [{ reply }] });
    servers.push(server);
    const endpoint = `${server.url}/models`;
    const forms = canaryForms(SPECIAL_CANARY);
    // Positive control: the encodings really differ from the key as written.
    expect(forms.map((form) => form.encoding)).toContain("URL-encoded (lower-case escapes)");
    const sinks = new Sinks("[special key echoed encoded]");
    const files = scratch();
    const flowFile = join(files, "special.flow.json");
    writeFileSync(flowFile, JSON.stringify(PATHS.find((path) => path.id === "dynamic-input")!.flow()));
    const env = { WEFT_HOME: tempHome(), CANARY_KEY: SPECIAL_CANARY };
    for (const mode of CLI_MODES) {
      const trace = join(files, `${mode.name.replace(/[^a-z]+/g, "-")}.trace.jsonl`);
      const result = await runCli(
        [
          "run",
          flowFile,
          "--input-env",
          "customerKey=CANARY_KEY",
          "--input",
          `customerEndpoint=${endpoint}`,
          ...mode.args(trace),
        ],
        { env },
      );
      sinks.add(`run ${mode.name} › stdout`, result.stdout);
      sinks.add(`run ${mode.name} › stderr`, result.stderr);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr, mode.name).toContain("GET /v1?key=***");
    }
    sinks.addFilesUnder("trace and flow files", files);
    const engine = createEngine({ nodeTypes: builtinNodeTypes });
    for (const stream of [false, true]) {
      const mode = `api ${stream ? "streamed" : "not streamed"}`;
      const run = await runThroughApi(
        engine,
        PATHS.find((path) => path.id === "dynamic-input")!.flow(),
        { customerKey: new Secret(SPECIAL_CANARY), customerEndpoint: endpoint, stream },
        sinks,
        mode,
      );
      const answer = String(run.result?.outputs.answer);
      expect(run.result?.status, mode).toBe("succeeded");
      // Each of the seven echoes was masked.
      expect(answer.split("***").length - 1, `${mode}: ${answer}`).toBe(7);
    }
    sinks.add("server request log", JSON.stringify(server.requests));
    sinks.check(forms);
  });
});

// --- snapshot files --------------------------------------------------------------------------

/** Every snapshot file of the repository: `test/__snapshots__` and those beside the packages' code. */
function snapshotFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (dir.endsWith("__snapshots__")) found.push(path);
    }
  };
  walk(join(ROOT, "test"));
  for (const pkg of readdirSync(join(ROOT, "packages"))) {
    const src = join(ROOT, "packages", pkg, "src");
    if (existsSync(src)) walk(src);
  }
  return found;
}

/** The canaries every test file of the repository uses, read from the tests' own source. */
function canariesOfAllSuites(): string[] {
  const canaries = new Set<string>([CANARY]);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist" || entry.name === "__snapshots__") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ts$/.test(entry.name)) {
        for (const match of readFileSync(path, "utf8").matchAll(/test-key-CANARY-[A-Za-z0-9-]+/g))
          canaries.add(match[0]);
      }
    }
  };
  walk(join(ROOT, "test"));
  walk(join(ROOT, "packages"));
  return [...canaries];
}

// --- a plug-in's connection kind ---------------------------------------------------------------

describe.concurrent("a plug-in's connection kind (examples/plugin): the canary never leaves the process", () => {
  const PLUGIN_ARGS = ["--plugin", join(ROOT, "examples", "plugin", "json-service.mjs")];
  const FLOW = join(ROOT, "examples", "plugin", "plugin.flow.json");
  /** The CLI's printers, for a flow that streams nothing. */
  const MODES: ReadonlyArray<{ name: string; args: (trace: string) => string[]; json?: boolean }> = [
    { name: "plain", args: () => [] },
    {
      name: "--json --verbose --trace",
      args: (trace) => ["--json", "--verbose", "--trace", trace],
      json: true,
    },
    { name: "--stream --verbose --trace", args: (trace) => ["--stream", "--verbose", "--trace", trace] },
    { name: "--json --stream", args: () => ["--json", "--stream"], json: true },
  ];

  it.each(["ok", "401 quoting the key"] as const)(
    "stored and dynamic keys through --plugin × %s (every CLI mode, connection list and show)",
    async (outcome) => {
      // The service accepts the canary, or refuses it and quotes it back in its error.
      const service = await startServer({
        keys: outcome === "ok" ? { customer: CANARY } : { other: OTHER_KEY },
        echoKeyInErrors: true,
      });
      try {
        const home = tempHome();
        const files = scratch();
        const sinks = new Sinks(`[plug-in × ${outcome}]`);
        const env = { WEFT_HOME: home, CANARY_KEY: CANARY };
        const created = await runCli(
          [
            "connection",
            "create",
            "shared-service",
            "--type",
            "json-service",
            "--base-url",
            service.url,
            "--api-key-env",
            "CANARY_KEY",
            ...PLUGIN_ARGS,
          ],
          { env },
        );
        sinks.add("connection create › stdout", created.stdout);
        sinks.add("connection create › stderr", created.stderr);
        expect(created.code, created.stderr).toBe(0);
        for (const command of [
          ["list", "--json"],
          ["show", "shared-service", "--json"],
          ["show", "shared-service"],
        ]) {
          const shown = await runCli(["connection", ...command, ...PLUGIN_ARGS], { env });
          sinks.add(`connection ${command.join(" ")} › stdout`, shown.stdout);
          sinks.add(`connection ${command.join(" ")} › stderr`, shown.stderr);
          expect(shown.code, shown.stderr).toBe(0);
          expect(shown.stdout).toContain("json-service");
        }

        for (const mode of MODES) {
          const where = `plug-in × ${outcome} × weft run ${mode.name}`;
          const trace = join(files, `${mode.name.replace(/[^a-z]+/g, "-")}.trace.jsonl`);
          service.reset();
          const result = await runCli(
            [
              "run",
              FLOW,
              "--input",
              `customerBaseUrl=${service.url}`,
              "--input-env",
              "customerKey=CANARY_KEY",
              ...PLUGIN_ARGS,
              ...mode.args(trace),
            ],
            { env },
          );
          sinks.add(`run ${mode.name} › stdout`, result.stdout);
          sinks.add(`run ${mode.name} › stderr`, result.stderr);
          sinks.add(`run ${mode.name} › server request log`, JSON.stringify(service.requests));
          // Positive controls: both keys were sent, and the run ended as the service decided.
          expect(result.code, `${where}\n${result.stderr}`).toBe(outcome === "ok" ? 0 : 1);
          expect(result.stderr, where).not.toMatch(/internal error|\n\s+at /);
          expect(service.requests.length, where).toBeGreaterThanOrEqual(outcome === "ok" ? 4 : 1);
          if (outcome === "ok") {
            expect(result.stdout.replace(/\s/g, ""), where).toContain('"firstSource":"dynamic"');
          } else {
            expect(result.stdout + result.stderr, where).toContain("missing or unknown x-api-key (got ***)");
          }
        }
        sinks.addFilesUnder("WEFT_HOME", home);
        sinks.addFilesUnder("trace files", files);
        expect(sinks.check()).toBeGreaterThanOrEqual(MODES.length * 3);
      } finally {
        await service.close();
      }
    },
    // Eight CLI processes one after another, beside the file's other concurrent tests.
    180_000,
  );
});

describe("snapshot files", () => {
  it("hold no canary of any suite, in any encoding", () => {
    const files = snapshotFiles();
    const canaries = canariesOfAllSuites();
    // Positive controls: there are snapshots to search, and other suites' canaries were found.
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(canaries.length).toBeGreaterThanOrEqual(3);
    // Whole canaries and their encodings: halves of the short ones would match ordinary text.
    const forms: CanaryForm[] = canaries.flatMap((canary) =>
      canaryForms(canary)
        .filter((form) => !form.encoding.includes("half"))
        .map((form) => ({ ...form, encoding: `${canary} as ${form.encoding}` })),
    );
    const texts = Object.fromEntries(
      files.map((file) => [relative(ROOT, file), readFileSync(file, "latin1")]),
    );
    expect(Object.values(texts).join("").length).toBeGreaterThan(1000);
    expectNoCanaryIn(texts, forms);
  });
});

describe("expectNoCanary", () => {
  it("fails naming the sink and the encoding, with an excerpt that masks the canary", () => {
    const base64 = Buffer.from(`xx${CANARY}yy`).toString("base64");
    expect(() =>
      expectNoCanary("[static-store × ok × cli plain] stdout", `{"answer":"key ${CANARY}"}`),
    ).toThrow(
      /LEAKED.*\n.*\[static-store × ok × cli plain\] stdout: 1× as plain text.*key <CANARY as plain text>/,
    );
    expect(() => expectNoCanary("store file", base64)).toThrow(/store file: 1× as base64 \(shift 1\)/);
    expect(() => expectNoCanary("trace", Buffer.from(CANARY).toString("hex"))).toThrow(/trace: 1× as hex/);
    expect(() => expectNoCanary("error", `key ${CANARY.slice(0, 20)}...`)).toThrow(/its first half/);
    let message = "";
    try {
      expectNoCanary("stdout", `${"a".repeat(500)} ${CANARY} ${"b".repeat(500)}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain(CANARY);
    expect(message.length).toBeLessThan(400);
    expect(() => expectNoCanary("stdout", "key ***")).not.toThrow();
  });
});
