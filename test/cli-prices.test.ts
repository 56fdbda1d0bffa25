import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROOT, runCli, tempHome } from "./support/cli.js";

const CANARY = "test-key-CANARY-prices-7731";
const keys = { contoso: "test-key-contoso-7731", fabrikam: CANARY };

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const FLOW = join(ROOT, "examples/two-customers/two-customers.flow.json");
const PRICES = {
  currency: "EUR",
  models: {
    "gpt-4o-mini": { input: 150_000, output: 600_000 },
    "fabrikam-gpt": { input: 1_000_000, output: 0 },
  },
};

function folder(): string {
  return mkdtempSync(join(tmpdir(), "weft-prices-"));
}

function args(flow = FLOW): string[] {
  return [
    "run",
    flow,
    "--input-env",
    "contosoKey=CONTOSO_KEY",
    "--input",
    `contosoEndpoint=${server.url}/models`,
    "--input-env",
    "fabrikamKey=FABRIKAM_KEY",
    "--input",
    `fabrikamEndpoint=${server.url}/openai/deployments/fabrikam-gpt`,
  ];
}

const env = () => ({ WEFT_HOME: tempHome(), CONTOSO_KEY: keys.contoso, FABRIKAM_KEY: CANARY });

/** What the server counted for a key, and what it costs at `PRICES`. */
function served(key: "contoso" | "fabrikam") {
  const tokens = server.stats().tokensByKey[key]!;
  const cost =
    key === "contoso"
      ? (tokens.promptTokens * 150_000 + tokens.completionTokens * 600_000) / 1e6
      : tokens.promptTokens;
  return { ...tokens, cost };
}

describe("weft run --prices", () => {
  it("puts cost beside tokens, in all and per connection, in the text summary and --json", async () => {
    const dir = folder();
    writeFileSync(join(dir, "prices.json"), JSON.stringify(PRICES));
    const text = await runCli([...args(), "--prices", join(dir, "prices.json")], { env: env() });
    expect(text.code, text.stderr).toBe(0);
    const contoso = served("contoso");
    const fabrikam = served("fabrikam");
    expect(text.stderr).toContain(
      `· ${contoso.totalTokens + fabrikam.totalTokens} tokens · ${(contoso.cost + fabrikam.cost).toFixed(2)} EUR`,
    );
    expect(text.stderr).toContain(
      `contoso: 1 call · ${contoso.totalTokens} tokens · ${contoso.cost.toFixed(2)} EUR`,
    );
    expect(text.stderr).toContain(
      `fabrikam: 1 call · ${fabrikam.totalTokens} tokens · ${fabrikam.cost.toFixed(2)} EUR`,
    );

    server.reset();
    const json = await runCli([...args(), "--json", "--prices", join(dir, "prices.json")], { env: env() });
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.usage.byConnection.contoso).toMatchObject({
      requests: 1,
      totalTokens: served("contoso").totalTokens,
      cost: served("contoso").cost,
      currency: "EUR",
      reported: true,
    });
    expect(result.usage.cost).toBeCloseTo(served("contoso").cost + served("fabrikam").cost, 8);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr])
      expect(output).not.toContain(CANARY);
  });

  it.each([
    ["not JSON", "{", "expected JSON"],
    [
      "a negative price",
      JSON.stringify({ currency: "EUR", models: { m: { input: -1, output: 1 } } }),
      'models["m"].input: ',
    ],
    ["no currency", JSON.stringify({ models: {} }), "currency: "],
  ])("refuses a prices file with %s: exit 2, the file and the field, no stack", async (_, content, why) => {
    const dir = folder();
    const file = join(dir, "prices.json");
    writeFileSync(file, content);
    const result = await runCli([...args(), "--prices", file], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: ${why}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(server.requests).toHaveLength(0);
  });

  it("reads prices named in weft.config.mjs, relative to the config file", async () => {
    const dir = folder();
    copyFileSync(FLOW, join(dir, "flow.json"));
    writeFileSync(join(dir, "my-prices.json"), JSON.stringify(PRICES));
    writeFileSync(join(dir, "weft.config.mjs"), 'export default { prices: "./my-prices.json" };\n');
    const result = await runCli([...args(join(dir, "flow.json")), "--json"], { env: env(), cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).usage).toMatchObject({ currency: "EUR", unpricedRequests: 0 });

    writeFileSync(join(dir, "weft.config.mjs"), "export default { prices: { currency: 1, models: {} } };\n");
    const bad = await runCli([...args(join(dir, "flow.json"))], { env: env(), cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, "weft.config.mjs")}: prices: currency: `);
  });
});
