/**
 * The secret-leak audit for Azure AI Search: a canary key goes into a stored `azure-ai-search`
 * connection (from an environment variable and from a promptflow file) and through the
 * `index-lookup` node and `weft connection test`, with every outcome (success, a refused key, a
 * service that echoes the key in results and in errors). Then every sink is searched for it, in
 * every encoding: stdout, stderr, traces, run results, the offline server's log and the store on
 * disk. Positive controls make sure each command did what it claims.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { expectNoCanaryIn, readFilesUnder } from "./support/canary.js";
import { runCli, tempHome } from "./support/cli.js";

const CANARY = "test-key-CANARY-search-5e1f9a7c";
const OTHER = "search-key-accepted-1234";

/** Each test has its own server, so that the rules one adds never answer another's requests. */
const servers: LlmServer[] = [];
const startServer = async () => {
  const server = await startLlmServer({ keys: { customer: CANARY, other: OTHER } });
  servers.push(server);
  return server;
};
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

const scratch = () => mkdtempSync(join(tmpdir(), "weft-leak-search-"));

function lookupFlow(): string {
  return JSON.stringify({
    nodes: [
      {
        id: "lookup",
        type: "index-lookup",
        connection: "search",
        retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
        inputs: { index: "handbook", query: "keys", select: "id,title,content" },
      },
    ],
    outputs: { results: "${nodes.lookup.output.results}" },
  });
}

type Outcome = "success" | "refused" | "echo-result" | "echo-error";

const OUTCOMES: Outcome[] = ["success", "refused", "echo-result", "echo-error"];

describe.concurrent("azure-ai-search: the canary never leaves the process", () => {
  it.each(OUTCOMES)(
    "%s: weft connection create, show, test and weft run (each printer)",
    async (outcome) => {
      const server = await startServer();
      const home = tempHome();
      const files = scratch();
      const sinks: Record<string, string> = {};
      const add = (sink: string, text: string) => {
        sinks[`[${outcome}] ${sink}`] = text;
      };
      // A refused key is the canary on a server that does not know it; otherwise the server accepts it.
      const endpoint = server.url;
      const key = outcome === "refused" ? `${CANARY}-revoked` : CANARY;
      const created = await runCli(
        [
          "connection",
          "create",
          "search",
          "--type",
          "azure-ai-search",
          "--endpoint",
          endpoint,
          "--api-key-env",
          "K",
        ],
        { env: { WEFT_HOME: home, K: key } },
      );
      expect(created.code, created.stderr).toBe(0);
      add("create", created.stdout + created.stderr);
      for (const args of [
        ["show", "search"],
        ["show", "search", "--json"],
        ["list", "--json"],
      ]) {
        const shown = await runCli(["connection", ...args], { env: { WEFT_HOME: home } });
        expect(shown.code, shown.stderr).toBe(0);
        expect(shown.stdout).toContain("azure-ai-search");
        add(args.join(" "), shown.stdout + shown.stderr);
      }
      const tested = await runCli(["connection", "test", "search", "--json"], { env: { WEFT_HOME: home } });
      add("connection test", tested.stdout + tested.stderr);
      expect(JSON.parse(tested.stdout)).toMatchObject({
        outcome: outcome === "refused" ? "auth-failed" : "ok",
      });

      const flowFile = join(files, "lookup.flow.json");
      writeFileSync(flowFile, lookupFlow());
      const trace = join(files, "run.trace.jsonl");
      for (const mode of [[], ["--json", "--stream"], ["--verbose", "--trace", trace]]) {
        const id = `weft run ${mode.join(" ")}`;
        if (outcome === "echo-result") {
          server.addSearchRule({
            match: { key: "customer" },
            results: [{ score: 1, document: { id: "echo", content: `your key is ${CANARY}` } }],
            times: 1,
          });
        }
        if (outcome === "echo-error") {
          server.addSearchRule({
            match: { key: "customer" },
            fault: { type: "status", status: 400, message: `The api-key ${CANARY} may not search.` },
            times: 1,
          });
        }
        const run = await runCli(["run", flowFile, ...mode], { env: { WEFT_HOME: home } });
        add(`${id} › stdout`, run.stdout);
        add(`${id} › stderr`, run.stderr);
        const succeeds = outcome === "success" || outcome === "echo-result";
        expect(run.code, `${id}\n${run.stderr}`).toBe(succeeds ? 0 : 1);
        expect(run.stderr, id).not.toMatch(/internal error|\n\s+at /);
        if (outcome === "echo-result") expect(run.stdout, id).toContain("your key is ***");
        if (outcome === "echo-error" && mode.length === 0)
          expect(run.stderr, id).toContain("The api-key *** may not search.");
        if (outcome === "refused" && mode.length === 0) expect(run.stderr, id).toContain("answered 403");
      }
      expect(readFileSync(trace, "utf8")).toContain('"event":"run:end"');
      add("server request log", JSON.stringify(server.requests));
      for (const [file, bytes] of Object.entries(readFilesUnder(home))) add(`WEFT_HOME/${file}`, bytes);
      for (const [file, bytes] of Object.entries(readFilesUnder(files))) add(`files/${file}`, bytes);
      expectNoCanaryIn(sinks);
    },
    120_000,
  );

  it("weft connection import of a promptflow cognitive_search file keeps the key sealed", async () => {
    const server = await startServer();
    const home = tempHome();
    const files = scratch();
    const yaml = join(files, "search.yaml");
    writeFileSync(
      yaml,
      `name: pf_search\ntype: cognitive_search\napi_base: ${server.url}\napi_key: ${CANARY}\napi_version: "2024-07-01"\n`,
    );
    const imported = await runCli(["connection", "import", yaml], { env: { WEFT_HOME: home } });
    expect(imported.code, imported.stderr).toBe(0);
    const shown = await runCli(["connection", "show", "pf_search", "--json"], { env: { WEFT_HOME: home } });
    expect(JSON.parse(shown.stdout)).toMatchObject({
      type: "azure-ai-search",
      apiKey: "***",
      apiVersion: "2024-07-01",
    });
    const tested = await runCli(["connection", "test", "pf_search"], { env: { WEFT_HOME: home } });
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expectNoCanaryIn({
      "import output": imported.stdout + imported.stderr,
      "show output": shown.stdout + shown.stderr,
      "test output": tested.stdout + tested.stderr,
      ...Object.fromEntries(
        Object.entries(readFilesUnder(home)).map(([file, bytes]) => [`WEFT_HOME/${file}`, bytes]),
      ),
    });
  }, 60_000);
});
