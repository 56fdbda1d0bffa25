/**
 * The secret-leak audit for SerpAPI, whose key travels in the query string of every request. A
 * canary key goes through the `weft` command — stored (sealed, or as an `${env:…}` reference),
 * imported from promptflow, and built in a flow with create-connection — with every outcome
 * (success, wrong key, a service that echoes the URL, a redirect, unreachable); then stdout,
 * stderr, traces, run results, the store on disk and the offline server's log are searched for
 * it. Positive controls make sure each command did what it claims.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprintKey, type LlmServer, type Rule, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY, expectNoCanaryIn, readFilesUnder } from "./support/canary.js";
import { runCli, tempHome } from "./support/cli.js";

const OTHER_KEY = "test-key-other-serp-4c2a";

const servers: LlmServer[] = [];
let redirectUrl = "";
let closedUrl = "";
const redirector = createServer((req, res) => {
  res.writeHead(301, { location: `https://moved.example.com${req.url ?? "/"}` }).end();
});
beforeAll(async () => {
  await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
  redirectUrl = `http://127.0.0.1:${(redirector.address() as { port: number }).port}`;
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await new Promise((resolve) => redirector.close(resolve));
});

type Outcome = "ok" | "wrong-key" | "echo-error" | "redirect" | "unreachable";
const OUTCOMES: readonly Outcome[] = ["ok", "wrong-key", "echo-error", "redirect", "unreachable"];

/** The key, base URL and rules of one outcome. */
async function setUp(
  outcome: Outcome,
): Promise<{ server: LlmServer; key: string; base: string; rules: Rule[] }> {
  const server = await startLlmServer({ keys: { customer: CANARY, other: OTHER_KEY } });
  servers.push(server);
  const base = outcome === "redirect" ? redirectUrl : outcome === "unreachable" ? closedUrl : server.url;
  const key = outcome === "wrong-key" ? `${CANARY}-old` : CANARY;
  const echo = `Invalid API key in ${server.url}/search?q=x&api_key=${CANARY} and ${server.url}/account.json?api_key=${CANARY}`;
  const rules: Rule[] =
    outcome === "echo-error"
      ? [
          { match: { route: "serp-account" }, fault: { type: "status", status: 401, message: echo } },
          { fault: { type: "status", status: 401, message: echo } },
        ]
      : outcome === "ok"
        ? [{ results: [{ title: `Quoted key ${CANARY}`, link: "https://example.com/k" }] }]
        : [];
  return { server, key, base, rules };
}

const flow = {
  inputs: { key: { type: "secret" }, base: { type: "string" } },
  nodes: [
    {
      id: "connect",
      type: "create-connection",
      inputs: { type: "serp", apiKey: "${inputs.key}", baseUrl: "${inputs.base}", variable: "serp" },
    },
    {
      id: "dynamic",
      type: "web-search",
      dynamicConnection: "${vars.serp}",
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
      inputs: { query: "dynamic search" },
    },
    {
      id: "static",
      type: "web-search",
      connection: "stored-serp",
      dependsOn: ["dynamic"],
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
      inputs: { query: "static search" },
    },
  ],
  outputs: { dynamic: "${nodes.dynamic.output}", static: "${nodes.static.output}", conn: "${vars.serp}" },
};

describe.concurrent("the SerpAPI key never leaves the weft command", () => {
  it.each(OUTCOMES)(
    "%s: connection create, show, list, test, import, and run",
    async (outcome) => {
      const { server, key, base, rules } = await setUp(outcome);
      const home = tempHome();
      const files = mkdtempSync(join(tmpdir(), "weft-serp-leak-"));
      const sinks: Record<string, string> = {};
      const add = (name: string, result: { stdout: string; stderr: string }) => {
        sinks[`[${outcome}] ${name} › stdout`] = result.stdout;
        sinks[`[${outcome}] ${name} › stderr`] = result.stderr;
      };
      const env = { WEFT_HOME: home, SERP_KEY: key };

      const created = await runCli(
        [
          "connection",
          "create",
          "stored-serp",
          "--type",
          "serp",
          "--base-url",
          base,
          "--api-key-env",
          "SERP_KEY",
        ],
        { env },
      );
      add("connection create", created);
      expect(created.code, created.stderr).toBe(0);
      const pfFile = join(files, "serp.yaml");
      writeFileSync(
        pfFile,
        `$schema: https://azuremlschemas.azureedge.net/promptflow/latest/SerpConnection.schema.json\nname: imported-serp\ntype: serp\napi_key: ${key}\n`,
      );
      const imported = await runCli(["connection", "import", pfFile], { env });
      add("connection import", imported);
      expect(imported.code, imported.stderr).toBe(0);
      for (const args of [
        ["show", "stored-serp"],
        ["show", "imported-serp", "--json"],
        ["list", "--json"],
      ]) {
        const shown = await runCli(["connection", ...args], { env });
        add(`connection ${args.join(" ")}`, shown);
        expect(shown.code, shown.stderr).toBe(0);
      }

      server.reset();
      for (const rule of rules) server.addRule(rule);
      const tested = await runCli(["connection", "test", "stored-serp", "--json"], { env });
      add("connection test", tested);
      sinks[`[${outcome}] connection test › request log`] = JSON.stringify(server.requests);
      const expectedTest = {
        ok: "ok",
        "wrong-key": "auth-failed",
        "echo-error": "auth-failed",
        redirect: "failed",
        unreachable: "unreachable",
      }[outcome];
      expect(JSON.parse(tested.stdout)).toMatchObject({
        name: "stored-serp",
        outcome: expectedTest,
        kind: "serp",
      });
      if (outcome === "echo-error") expect(tested.stdout).toContain("api_key=***");

      server.reset();
      for (const rule of rules) server.addRule(rule);
      const flowFile = join(files, "search.flow.json");
      writeFileSync(flowFile, JSON.stringify(flow));
      const trace = join(files, "trace.jsonl");
      const run = await runCli(
        [
          "run",
          flowFile,
          "--input-env",
          "key=SERP_KEY",
          "--input",
          `base=${base}`,
          "--json",
          "--verbose",
          "--trace",
          trace,
        ],
        { env },
      );
      add("run", run);
      sinks[`[${outcome}] run › request log`] = JSON.stringify(server.requests);
      const result = JSON.parse(run.stdout) as {
        status: string;
        error?: { code: string };
        outputs: Record<string, unknown>;
      };
      if (outcome === "ok") {
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.stringify(result.outputs)).toContain("Quoted key ***");
        expect(server.requests.map((request) => request.keyFingerprint)).toEqual([
          fingerprintKey(CANARY),
          fingerprintKey(CANARY),
        ]);
      } else {
        expect(run.code, run.stderr).toBe(1);
        const code = {
          "wrong-key": "llm.auth",
          "echo-error": "llm.auth",
          redirect: "llm.request",
          unreachable: "llm.network",
        }[outcome];
        expect(result.error).toMatchObject({ code });
      }
      if (outcome === "wrong-key")
        expect(server.requests[0]).toMatchObject({ status: 401, keyFingerprint: fingerprintKey(key) });
      if (outcome === "redirect" || outcome === "unreachable") expect(server.requests).toHaveLength(0);
      expect(readFileSync(trace, "utf8")).toContain('"run:end"');
      expect(readFileSync(join(home, "connections.json"), "utf8")).toMatch(/"apiKey": ?"weft:v1:/);

      for (const [file, bytes] of Object.entries(readFilesUnder(home)))
        sinks[`[${outcome}] WEFT_HOME/${file}`] = bytes;
      sinks[`[${outcome}] trace`] = readFileSync(trace, "utf8");
      expectNoCanaryIn(sinks);
    },
    180_000,
  );
});
