import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_RESULT_JSON_LENGTH, MAX_TRACE_EVENT_LENGTH_PAST_BUDGET, MAX_TRACE_LENGTH } from "@weft/engine";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT, tempHome } from "./support/cli.js";

const KEY = "test-key-limits-0042";
const scratch = () => mkdtempSync(join(tmpdir(), "weft-limits-test-"));

/** Runs `weft` keeping all of stdout, however long (the usual helper stops at 16 MiB). */
function weft(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NO_COLOR: "1",
        WEFT_HOME: tempHome(),
        KEY,
      },
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(stdout).toString("utf8"), stderr }),
    );
  });
}

describe("a chain of 10,000 nodes passing one 5 MB string on", () => {
  const dir = scratch();
  const flow = join(dir, "chain.flow.json");
  const inputs = join(dir, "inputs.json");
  beforeAll(() => {
    const nodes = [{ id: "n0", type: "declare-variable", inputs: { name: "v0", value: "${inputs.big}" } }];
    for (let i = 1; i < 10_000; i++) {
      nodes.push({
        id: `n${i}`,
        type: "declare-variable",
        inputs: { name: `v${i}`, value: `\${nodes.n${i - 1}.output}` },
      });
    }
    writeFileSync(
      flow,
      JSON.stringify({ inputs: { big: {} }, nodes, outputs: { last: "${nodes.n9999.output}" } }),
    );
    writeFileSync(inputs, JSON.stringify({ big: "x".repeat(5_000_000) }));
  });

  it("prints a bounded --json result and writes a bounded trace, exit 0", async () => {
    const trace = join(dir, "trace.jsonl");
    const { code, stdout, stderr } = await weft([
      "run",
      flow,
      "--inputs-file",
      inputs,
      "--json",
      "--trace",
      trace,
    ]);

    expect(code, stderr).toBe(0);
    expect(stderr).toBe("");
    expect(stdout.length).toBeLessThanOrEqual(MAX_RESULT_JSON_LENGTH * 1.01);
    const result = JSON.parse(stdout);
    expect(result.status).toBe("succeeded");
    expect(Object.keys(result.nodes)).toHaveLength(10_000);
    expect(result.outputs.last).toMatch(/^x+…\[cut, 5000000 characters in all\]$/);

    const lines = readFileSync(trace, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(20_002);
    const bound =
      MAX_TRACE_LENGTH + lines.length * MAX_TRACE_EVENT_LENGTH_PAST_BUDGET + MAX_RESULT_JSON_LENGTH;
    expect(statSync(trace).size).toBeLessThanOrEqual(bound);
    const last = JSON.parse(lines.at(-1)!);
    expect(last).toMatchObject({ event: "run:end", status: "succeeded", result: { status: "succeeded" } });
    for (const line of lines.slice(0, 100)) expect(JSON.parse(line).event).toMatch(/^(run|node):/);
  }, 120_000);

  it("prints bounded outputs without --json", async () => {
    const { code, stdout, stderr } = await weft(["run", flow, "--inputs-file", inputs]);
    expect(code, stderr.slice(-500)).toBe(0);
    expect(stderr).toMatch(/✓ run succeeded in .* \(10000 succeeded\)\n$/);
    expect(JSON.parse(stdout).last).toHaveLength(5_000_000);
  }, 120_000);
});

describe("a customer endpoint that misbehaves", () => {
  let server: LlmServer;
  beforeAll(async () => {
    server = await startLlmServer({ keys: [KEY] });
  });
  afterAll(() => server.close());

  const customerFlow = (top: object = {}) => {
    const file = join(scratch(), "customer.flow.json");
    writeFileSync(
      file,
      JSON.stringify({
        ...top,
        inputs: { endpoint: {}, key: { type: "secret" } },
        nodes: [
          {
            id: "connection",
            type: "create-azure-ai-connection",
            inputs: { apiKey: "${inputs.key}", endpoint: "${inputs.endpoint}", variable: "customer" },
          },
          {
            id: "answer",
            type: "chat-completion",
            dynamicConnection: "${vars.customer}",
            retry: { initialDelayMs: 1, maxDelayMs: 5 },
            inputs: { model: "gpt-4o-mini", prompt: "Hi" },
          },
        ],
      }),
    );
    return file;
  };

  it("keeps --json and the trace small when it sends a 50 MB error body", async () => {
    server.reset();
    server.addRule({ fault: { type: "huge-body", bytes: 50 * 1024 * 1024, status: 500 } });
    const trace = join(scratch(), "trace.jsonl");
    const { code, stdout, stderr } = await weft([
      "run",
      customerFlow(),
      "--input",
      `endpoint=${server.url}/models`,
      "--input-env",
      "key=KEY",
      "--json",
      "--trace",
      trace,
    ]);

    expect(code, stderr).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.error).toMatchObject({ code: "llm.response-too-large", nodeId: "answer", status: 500 });
    expect(stdout.length).toBeLessThan(16_384);
    expect(statSync(trace).size).toBeLessThan(32_768);
    expect(server.requests).toHaveLength(1);
  }, 60_000);

  it("ends a run against an endpoint that never answers at the flow's timeoutMs", async () => {
    server.reset();
    server.addRule({ fault: { type: "hang" } });
    const { code, stdout, stderr } = await weft([
      "run",
      customerFlow({ timeoutMs: 300 }),
      "--input",
      `endpoint=${server.url}/models`,
      "--input-env",
      "key=KEY",
    ]);

    expect(code).toBe(1);
    expect(stdout).toBe("{}\n");
    expect(stderr).toContain(`✗ run failed in`);
    expect(stderr).toContain(`the run did not finish within 300 ms (the flow's "timeoutMs")`);
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
