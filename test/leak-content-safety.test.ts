/**
 * The secret-leak audit for Azure AI Content Safety: the canary key goes through a stored
 * `azure-content-safety` connection and through a dynamic one built from a secret input, with a
 * success, a refused key and a service that echoes the key, via the `weft` command. Every sink is
 * searched: stdout, stderr, the trace, the store's bytes on disk and the offline server's log.
 * Positive controls make sure each run did what it claims.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprintKey, type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY, expectNoCanaryIn, readFilesUnder } from "./support/canary.js";
import { runCli, tempHome } from "./support/cli.js";

const OTHER_KEY = "test-key-other-cs-5e0b";
let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys: { customer: CANARY, other: OTHER_KEY } });
});
afterAll(() => server.close());

const flow = {
  inputs: { key: { type: "secret" }, text: { type: "string", default: "hate:6 in a sentence" } },
  nodes: [
    {
      id: "stored",
      type: "content-safety-text",
      connection: "moderation",
      continueOnError: true,
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
      inputs: { text: "${inputs.text}" },
    },
    {
      id: "customer",
      type: "declare-variable",
      inputs: {
        name: "customerModeration",
        value: { type: "azure-content-safety", endpoint: "ENDPOINT", apiKey: "${inputs.key}" },
      },
    },
    {
      id: "dynamic",
      type: "content-safety-text",
      connection: "moderation",
      dynamicConnection: "${vars.customerModeration}",
      continueOnError: true,
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
      inputs: { text: "${inputs.text}" },
    },
  ],
  outputs: { stored: "${nodes.stored.output}", dynamic: "${nodes.dynamic.output}" },
};

async function setUp(key: string) {
  const home = tempHome();
  const files = mkdtempSync(join(tmpdir(), "weft-cs-leak-"));
  const flowFile = join(files, "moderate.flow.json");
  writeFileSync(flowFile, JSON.stringify(flow).replace("ENDPOINT", server.url));
  const env = { WEFT_HOME: home, CS_KEY: key };
  const created = await runCli(
    [
      "connection",
      "create",
      "moderation",
      "--type",
      "azure-content-safety",
      "--endpoint",
      server.url,
      "--api-key-env",
      "CS_KEY",
    ],
    { env },
  );
  expect(created.code, created.stderr).toBe(0);
  return { home, files, flowFile, env };
}

describe("the Content Safety key never leaks through the weft command", () => {
  it.each([
    { outcome: "success", key: CANARY },
    { outcome: "a refused key", key: `${CANARY}-revoked` },
  ])("on $outcome: stdout, stderr, trace, store and request log", async ({ key }) => {
    server.reset();
    const { home, files, flowFile, env } = await setUp(key);
    const trace = join(files, "run.trace.jsonl");
    const sinks: Record<string, string> = {};

    const run = await runCli(
      ["run", flowFile, "--input-env", "key=CS_KEY", "--json", "--verbose", "--trace", trace],
      {
        env,
      },
    );
    // Both nodes continue on error: the run ends 0 either way, its nodes say how they ended.
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    // Positive controls: both nodes reached the service, on the key under test.
    expect(
      server.requests.filter((entry) => entry.route === "content-safety-analyze-text").length,
    ).toBeGreaterThanOrEqual(2);
    expect(server.requests.every((entry) => entry.keyFingerprint === fingerprintKey(key))).toBe(true);
    if (key === CANARY) {
      expect(result.nodes.stored.output.suggestedAction).toBe("Reject");
      expect(result.nodes.dynamic.output.connection.source).toBe("dynamic");
    } else {
      expect([result.nodes.stored.error?.code, result.nodes.dynamic.error?.code]).toEqual([
        "llm.auth",
        "llm.auth",
      ]);
    }
    Object.assign(sinks, {
      "run stdout": run.stdout,
      "run stderr": run.stderr,
      trace: readFileSync(trace, "utf8"),
    });

    for (const args of [
      ["connection", "show", "moderation", "--json"],
      ["connection", "list"],
      ["connection", "test", "moderation", "--json"],
    ]) {
      const shown = await runCli(args, { env });
      Object.assign(sinks, {
        [`${args.join(" ")} stdout`]: shown.stdout,
        [`${args.join(" ")} stderr`]: shown.stderr,
      });
    }
    expect(JSON.parse(sinks["connection test moderation --json stdout"] ?? "{}").outcome).toBe(
      key === CANARY ? "ok" : "auth-failed",
    );
    sinks["request log"] = JSON.stringify(server.requests);
    for (const [file, text] of Object.entries(readFilesUnder(home))) sinks[`store file ${file}`] = text;
    expectNoCanaryIn(sinks);
  });

  it("when the service echoes the key in an analysis and in an error", async () => {
    server.reset();
    server.addContentSafetyRule({
      match: { text: /first/ },
      analysis: {
        categoriesAnalysis: [{ category: "Hate", severity: 0 }],
        blocklistsMatch: [
          { blocklistName: "keys", blocklistItemId: "1", blocklistItemText: `key ${CANARY}` },
        ],
      },
    });
    server.addContentSafetyRule({ fault: { type: "status", status: 400, message: `Refused key ${CANARY}` } });
    const { env, flowFile } = await setUp(CANARY);
    const run = await runCli(
      ["run", flowFile, "--input-env", "key=CS_KEY", "--input", "text=first", "--json"],
      { env },
    );
    const result = JSON.parse(run.stdout);
    expect(
      result.nodes.stored.output?.blocklistMatches?.[0]?.blocklistItemText ??
        result.nodes.stored.error?.message,
    ).toMatch(/\*\*\*/);
    const second = await runCli(
      ["run", flowFile, "--input-env", "key=CS_KEY", "--input", "text=second", "--json"],
      { env },
    );
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).nodes.stored.error.message).toContain("Refused key ***");
    expectNoCanaryIn({
      "first stdout": run.stdout,
      "first stderr": run.stderr,
      "second stdout": second.stdout,
      "second stderr": second.stderr,
    });
  });
});
