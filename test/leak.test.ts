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

type Outcome = "ok" | "401" | "unreachable" | "echo-reply" | "echo-error";
const OUTCOMES: readonly Outcome[] = ["ok", "401", "unreachable", "echo-reply", "echo-error"];

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
const succeeds = (outcome: Outcome) => outcome === "ok" || outcome === "echo-reply";

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
        status: outcome === "echo-error" ? 401 : 200,
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
  check(): number {
    expectNoCanaryIn(this.texts);
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
  "401": "auth failed",
  "echo-error": "auth failed",
  unreachable: "unreachable",
};

describe.concurrent("weft run (and weft connection test): the canary never leaves the process", () => {
  const cases = PATHS.flatMap((path) => OUTCOMES.map((outcome) => ({ path, outcome })));
  it.each(cases)("$path.id × $outcome (every CLI mode)", async ({ path, outcome }) => {
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
      if (outcome === "echo-reply") expect(result.stdout, where).toContain("Your key *** is valid.");
      if (outcome === "echo-error") expect(result.stdout + result.stderr, where).toContain("provided: ***.");
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
  const cases = PATHS.flatMap((path) => OUTCOMES.map((outcome) => ({ path, outcome })));
  it.each(cases)("$path.id × $outcome (streamed and not)", async ({ path, outcome }) => {
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

type Behaviour = "return" | "throw" | "retry";

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
    if (behaviour === "throw") throw new Error(`upstream refused ${key}`);
    if (behaviour === "retry" && context.attempt === 1) {
      throw new FlowError("custom.flaky", `upstream flaked for ${key}`, { retryable: true });
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
  const behaviours: readonly Behaviour[] = ["return", "throw", "retry"];
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
