import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprintKey, type LlmServer, offlineEmbedding, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY, expectNoCanaryIn, readFilesUnder } from "./support/canary.js";
import { type CliResult, runCli, tempHome } from "./support/cli.js";

/**
 * A serverless connection and the embeddings node from the command line, with the canary as the
 * customer's key: stored sealed, shown masked, tested, used by `weft run`, imported from promptflow
 * YAML, and never printed or written in clear.
 */
let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys: { customer: CANARY } });
});
afterAll(async () => {
  await server.close();
});

describe("weft with a serverless connection and the embeddings node", () => {
  it("creates, shows, tests, runs and imports without the key ever showing", async () => {
    const home = tempHome();
    const env = { WEFT_HOME: home, CUSTOMER_KEY: CANARY, WRONG_KEY: `${CANARY}-revoked` };
    const outputs: Record<string, string> = {};
    const run = async (args: string[]): Promise<CliResult> => {
      const result = await runCli(args, { env });
      outputs[`${args.slice(0, 3).join(" ")} › stdout`] = result.stdout;
      outputs[`${args.slice(0, 3).join(" ")} › stderr`] = result.stderr;
      return result;
    };
    for (const [name, keyVar] of [
      ["llama", "CUSTOMER_KEY"],
      ["revoked", "WRONG_KEY"],
    ] as const) {
      const created = await run([
        "connection",
        "create",
        name,
        "--type",
        "serverless",
        "--endpoint",
        server.url,
        "--api-key-env",
        keyVar,
      ]);
      expect(created.code, created.stderr).toBe(0);
    }
    const shown = await run(["connection", "show", "llama", "--json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      name: "llama",
      type: "serverless",
      endpoint: server.url,
      apiKey: "***",
    });

    const good = await run(["connection", "test", "llama"]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^✓ llama: ok \(serverless at 127\.0\.0\.1:\d+, model offline-model\)\n$/);
    const refused = await run(["connection", "test", "revoked", "--json"]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      outcome: "auth-failed",
      kind: "serverless",
      status: 401,
    });

    const flow = join(home, "embed.flow.json");
    writeFileSync(
      flow,
      JSON.stringify({
        inputs: { text: { type: "string" } },
        nodes: [
          {
            id: "embed",
            type: "embeddings",
            connection: "llama",
            inputs: { input: "${inputs.text}", dimensions: 4 },
          },
          {
            id: "answer",
            type: "chat-completion",
            connection: "llama",
            inputs: { prompt: "${inputs.text}" },
          },
        ],
        outputs: { vector: "${nodes.embed.output.embedding}", answer: "${nodes.answer.output.content}" },
      }),
    );
    server.reset();
    const ran = await run(["run", flow, "--input", "text=hello there"]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({
      vector: offlineEmbedding("hello there", 4),
      answer: 'Offline reply from offline-model: "hello there"',
    });
    // The two nodes run at once: their requests may arrive in either order.
    const byRoute = [...server.requests].sort((a, b) => a.route.localeCompare(b.route));
    expect(byRoute).toMatchObject([
      { route: "serverless", keyName: "customer", keyFingerprint: fingerprintKey(CANARY) },
      { route: "serverless-embeddings", keyName: "customer", keyFingerprint: fingerprintKey(CANARY) },
    ]);

    const yaml = join(home, "pf.yaml");
    writeFileSync(
      yaml,
      `name: pf_llama\ntype: serverless\napi_key: \${env:CUSTOMER_KEY}\napi_base: ${server.url}/\n`,
    );
    const imported = await run(["connection", "import", yaml]);
    expect(imported.code, imported.stderr).toBe(0);
    const importedTest = await run(["connection", "test", "pf_llama"]);
    expect(importedTest.code, importedTest.stderr).toBe(0);

    const store = readFileSync(join(home, "connections.json"), "utf8");
    expect(store).toMatch(/"apiKey": ?"weft:v1:/);
    expectNoCanaryIn({ ...outputs, ...readFilesUnder(home), "request log": JSON.stringify(server.requests) });
  }, 60_000);
});
