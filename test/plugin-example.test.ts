import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunResult } from "@weft/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../examples/plugin/server.mjs";
import { cleanForSnapshot } from "./support/clean.js";
import { BIN, ROOT, tempHome } from "./support/cli.js";
import { runCommand, userEnv } from "./support/commands.js";

/**
 * The example plug-in (examples/plugin) run by the `weft` bundle, loaded with `--plugin` and
 * through its folder's weft.config.mjs: a connection kind and node types that live outside Weft,
 * with the override rule, the per-connection limit and usage accounting of any built-in kind.
 */
const FOLDER = join(ROOT, "examples", "plugin");
const FLOW = join(FOLDER, "plugin.flow.json");
const PLUGIN = ["--plugin", "./examples/plugin/json-service.mjs"];
const KEYS = { shared: "test-key-json-shared-0001", customer: "test-key-json-customer-0001" };

let service: Awaited<ReturnType<typeof startServer>>;
let env: NodeJS.ProcessEnv;

function weft(args: string[], cwd = ROOT) {
  return runCommand(process.execPath, [BIN, ...args], { cwd, env });
}

beforeAll(async () => {
  // Answers wait until three requests with one key are in flight (or 300 ms): whatever the
  // machine's speed, a client that sends three at once is seen doing so.
  service = await startServer({ keys: KEYS, delayMs: 300, releaseAt: 3 });
  env = userEnv({
    WEFT_HOME: tempHome(),
    SHARED_KEY: KEYS.shared,
    CUSTOMER_KEY: KEYS.customer,
  });
  const created = await weft([
    "connection",
    "create",
    "shared-service",
    "--type",
    "json-service",
    "--base-url",
    service.url,
    "--api-key-env",
    "SHARED_KEY",
    "--max-concurrency",
    "1",
    ...PLUGIN,
  ]);
  expect(created.code, created.stderr).toBe(0);
});
afterAll(() => service.close());

const runArgs = ["--json", "--input", `customerBaseUrl=<url>`, "--input-env", "customerKey=CUSTOMER_KEY"];

async function runExample(how: "--plugin" | "weft.config.mjs", flow = FLOW) {
  service.reset();
  const args = runArgs.map((arg) => arg.replace("<url>", service.url));
  const { code, stdout, stderr } =
    how === "--plugin"
      ? await weft(["run", flow, ...args, ...PLUGIN])
      : await weft(["run", flow, ...args], FOLDER);
  expect(code, stderr).toBe(0);
  const requests = service.requests
    .map((entry: { method: string; path: string; key: string; status: number }) =>
      [entry.method, entry.path, `key=${entry.key}`, `status=${entry.status}`].join(" "),
    )
    .sort();
  return {
    result: JSON.parse(stdout) as RunResult,
    requests,
    peak: { customer: service.peakInFlight("customer"), shared: service.peakInFlight("shared") },
    stdout,
    stderr,
  };
}

describe("examples/plugin through the weft command", () => {
  it("runs alike with --plugin and with weft.config.mjs: dynamic over static, the limit, usage", async () => {
    const byFlag = await runExample("--plugin");
    const byConfig = await runExample("weft.config.mjs");
    const clean = (run: typeof byFlag) => cleanForSnapshot(run.result, service.port);
    expect(clean(byConfig)).toEqual(clean(byFlag));
    expect(byConfig.requests).toEqual(byFlag.requests);

    for (const run of [byFlag, byConfig]) {
      const { result } = run;
      expect(result.status).toBe("succeeded");
      // The dynamic connection overrides the static one wherever a node has both.
      for (const id of ["first", "second", "third"]) {
        expect(result.nodes[id]?.output).toMatchObject({
          connection: { source: "dynamic", name: "customer" },
        });
      }
      expect(result.nodes.baseline?.output).toMatchObject({
        connection: { source: "static", name: "shared-service" },
      });
      // maxConcurrency 2 (built in the flow) and 1 (stored), seen by the service.
      expect(run.peak.customer).toBeGreaterThanOrEqual(1);
      expect(run.peak.customer).toBeLessThanOrEqual(2);
      expect(run.peak.shared).toBe(1);
      // Usage, per node and per connection.
      expect(result.usage.byConnection.customer?.totalTokens).toBe(
        ["first", "second", "third"].reduce(
          (sum, id) => sum + (result.nodes[id]?.usage?.totalTokens ?? 0),
          0,
        ),
      );
      expect(result.usage.byConnection["shared-service"]?.totalTokens).toBe(
        result.nodes.baseline?.usage?.totalTokens,
      );
      for (const key of Object.values(KEYS)) expect(run.stdout + run.stderr).not.toContain(key);
    }
    expect({ result: clean(byFlag), requests: byFlag.requests }).toMatchSnapshot();
  });

  it("sends three requests at once when the connection sets no limit (the limit above is what held them)", async () => {
    const unlimited = JSON.parse(readFileSync(FLOW, "utf8"));
    delete unlimited.nodes[0].inputs.maxConcurrency;
    unlimited.$schema = undefined;
    const file = join(mkdtempSync(join(tmpdir(), "weft-plugin-")), "unlimited.flow.json");
    writeFileSync(file, JSON.stringify(unlimited));
    const run = await runExample("--plugin", file);
    expect(run.result.status).toBe("succeeded");
    expect(run.peak.customer).toBe(3);
  });
});
