import { readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli, startCli, tempHome } from "./support/cli.js";

const CANARY = "test-key-CANARY-cli-0042";
const keys = { contoso: "test-key-contoso-0042", fabrikam: CANARY, customer: CANARY };

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer({ keys });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const env = () => ({
  WEFT_HOME: tempHome(),
  CONTOSO_KEY: keys.contoso,
  FABRIKAM_KEY: CANARY,
  CUSTOMER_KEY: CANARY,
});

function expectNoCanary(...texts: string[]) {
  for (const text of texts) expect(text).not.toContain(CANARY);
}

describe("weft run with chat completions", () => {
  it("runs two customers in parallel, each request on its own endpoint with its own key", async () => {
    const result = await runCli(
      [
        "run",
        "examples/two-customers/two-customers.flow.json",
        "--input-env",
        "contosoKey=CONTOSO_KEY",
        "--input",
        `contosoEndpoint=${server.url}/models`,
        "--input-env",
        "fabrikamKey=FABRIKAM_KEY",
        "--input",
        `fabrikamEndpoint=${server.url}/openai/deployments/fabrikam-gpt`,
      ],
      { env: env() },
    );
    expect(result.code, result.stderr).toBe(0);
    const outputs = JSON.parse(result.stdout);
    expect(outputs.contosoConnection).toMatchObject({
      source: "dynamic",
      kind: "foundry-models",
      name: "contoso",
    });
    expect(outputs.fabrikamConnection).toMatchObject({
      source: "dynamic",
      kind: "azure-openai-deployment",
      name: "fabrikam",
    });
    expect(server.requests.map((entry) => `${entry.route} ${entry.keyName}`).sort()).toEqual([
      "azure-deployment fabrikam",
      "foundry-models contoso",
    ]);
    expect(result.stderr).toMatch(/✓ contoso-answer chat-completion/);
    expect(result.stderr).toMatch(/run succeeded/);
    expectNoCanary(result.stdout, result.stderr);
  });

  it("--json prints only the run result, with keys masked", async () => {
    const result = await runCli(
      [
        "run",
        "examples/multi-step/multi-step.flow.json",
        "--json",
        "--input-env",
        "customerKey=CUSTOMER_KEY",
        "--input",
        `customerEndpoint=${server.url}/openai/deployments/gpt-4o-mini`,
      ],
      { env: env() },
    );
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout);
    expect(run.status).toBe("succeeded");
    expect(run.nodes["customer-connection"].output.apiKey).toBe("***");
    expect(run.outputs.final).toContain("Review your draft");
    expect(server.requests).toHaveLength(2);
    expectNoCanary(result.stdout, result.stderr);
  });

  /** A flow whose chat node streams only when asked: `stream` unset unless given. */
  function streamFlow(stream?: boolean): string {
    const flow = join(tempHome(), "stream.flow.json");
    writeFileSync(
      flow,
      JSON.stringify({
        inputs: { key: { type: "secret" }, endpoint: { type: "string" } },
        nodes: [
          {
            id: "conn",
            type: "create-azure-ai-connection",
            inputs: { apiKey: "${inputs.key}", endpoint: "${inputs.endpoint}", variable: "c" },
          },
          {
            id: "talk",
            type: "chat-completion",
            dynamicConnection: "${vars.c}",
            inputs: { model: "m", prompt: "hi", ...(stream === undefined ? {} : { stream }) },
          },
        ],
        outputs: { text: "${nodes.talk.output.content}" },
      }),
    );
    return flow;
  }
  const streamArgs = () => ["--input-env", "key=CUSTOMER_KEY", "--input", `endpoint=${server.url}/models`];

  it.each([
    ["asks for it", true],
    ["does not ask for it", undefined],
  ])("--stream prints tokens on stderr when the node %s; stdout stays JSON", async (_, stream) => {
    server.addRule({ reply: "one two three four five", chunkDelayMs: 1 });
    const result = await runCli(["run", streamFlow(stream), "--stream", "--verbose", ...streamArgs()], {
      env: env(),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ text: "one two three four five" });
    // The tokens on a line of their own; the next progress line does not stick to them.
    expect(result.stderr).toMatch(/^\[talk\] one two three four five\n✓ talk chat-completion /m);
    expect(server.requests[0]).toMatchObject({ stream: true, route: "foundry-models" });
    expectNoCanary(result.stdout, result.stderr);
  });

  it("without --stream, a node that does not ask for it does not stream", async () => {
    const result = await runCli(["run", streamFlow(), ...streamArgs()], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("[talk]");
    expect(server.requests[0]).toMatchObject({ stream: false });
  });

  it("--json --stream prints every event as a JSON line, the run result last", async () => {
    server.addRule({ reply: "one two three four five", chunkDelayMs: 1 });
    const result = await runCli(["run", streamFlow(), "--json", "--stream", ...streamArgs()], {
      env: env(),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.endsWith("\n")).toBe(true);
    const lines = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    const events = lines.slice(0, -1);
    const last = lines.at(-1);
    expect(last).toMatchObject({ status: "succeeded", outputs: { text: "one two three four five" } });
    expect(events[0]).toMatchObject({ event: "run:start", runId: last.runId });
    for (const event of events)
      expect(event).toMatchObject({ runId: last.runId, timestamp: expect.any(Number) });
    const tokens = events.filter((event) => event.event === "node:token");
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((event) => event.token).join("")).toBe("one two three four five");
    expect(events.map((event) => event.event)).not.toContain("run:end");
    expect(result.stderr).toBe("");
    expectNoCanary(result.stdout, result.stderr);
  });

  it("a wrong key fails the run (exit 1) with a one-line error that names the host, not the key", async () => {
    const trace = join(tempHome(), "trace.jsonl");
    const result = await runCli(
      [
        "run",
        "examples/multi-step/multi-step.flow.json",
        "--verbose",
        "--trace",
        trace,
        "--input",
        `customerKey=${CANARY}-wrong`,
        "--input",
        `customerEndpoint=${server.url}/models`,
      ],
      { env: env() },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/✗ draft chat-completion .*failed: 127\.0\.0\.1:\d+ answered 401/);
    expect(result.stderr).toMatch(/check the connection's API key/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expectNoCanary(result.stdout, result.stderr, readFileSync(trace, "utf8"));
    expect(server.requests.map((entry) => entry.status)).toEqual([401]);
  });

  it("an unreachable endpoint fails after retries, without a stack trace", async () => {
    const result = await runCli(
      [
        "run",
        "examples/multi-step/multi-step.flow.json",
        "--input-env",
        "customerKey=CUSTOMER_KEY",
        "--input",
        "customerEndpoint=http://127.0.0.1:9/models",
      ],
      { env: env() },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach 127\.0\.0\.1:9/);
    expect(result.stderr).toMatch(/↻ draft attempt 1 failed/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expectNoCanary(result.stdout, result.stderr);
  }, 60_000);

  it("an endpoint of neither accepted shape is a clear error showing both shapes", async () => {
    const result = await runCli(
      [
        "run",
        "examples/multi-step/multi-step.flow.json",
        "--input-env",
        "customerKey=CUSTOMER_KEY",
        "--input",
        "customerEndpoint=https://example.com/v1",
      ],
      { env: env() },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("/models (Azure AI Foundry)");
    expect(result.stderr).toContain("/openai/deployments/<deployment> (Azure OpenAI)");
    expect(result.stderr).toContain('got "https://example.com/v1"');
  });
});

describe("Ctrl-C during weft run", () => {
  it.each([
    ["the outputs", []],
    ["the run result", ["--json"]],
  ])("cancels the run and exits 130, printing %s", async (_, extra) => {
    server.addRule({ fault: { type: "hang" } });
    const cli = startCli(
      [
        "run",
        "examples/multi-step/multi-step.flow.json",
        "--verbose",
        ...extra,
        "--input-env",
        "customerKey=CUSTOMER_KEY",
        "--input",
        `customerEndpoint=${server.url}/models`,
      ],
      "spawned",
      { env: env() },
    );
    const { stop } = await cli;
    // The request is on the wire, and will never be answered.
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const result = await stop("SIGINT");
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain("cancelling (press Ctrl-C again to quit now)");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const printed = JSON.parse(result.stdout);
    if (extra.length) {
      expect(printed).toMatchObject({
        status: "cancelled",
        nodes: { draft: { status: "cancelled" }, review: { status: "cancelled" } },
      });
    } else {
      expect(printed).toMatchObject({ draft: null, final: null });
      expect(result.stderr).toMatch(/run cancelled/);
    }
    expectNoCanary(result.stdout, result.stderr);
  });
});

describe("weft demo", () => {
  it("runs the dynamic-connection flow for two customers offline and shows the wire", async () => {
    const result = await runCli(["demo"], { env: { WEFT_HOME: tempHome() } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/POST \/models\/chat\/completions\s+auth=both\s+key=customer-a\s+200/);
    expect(result.stderr).toMatch(
      /POST \/openai\/deployments\/gpt-4o-mini\/chat\/completions\s+auth=api-key\s+key=customer-b\s+200/,
    );
    expect(result.stderr).toContain('The static connection "shared-foundry" was never used');
    expect(result.stdout + result.stderr).not.toContain("demo-key-");
  });
});

describe("weft mock-llm", () => {
  it("serves chat completions until Ctrl-C, logging key names, never keys", async () => {
    const cli = await startCli(
      ["mock-llm", "--key", "team=test-key-team-7"],
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    const url = cli.match[1]!;
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer test-key-team-7", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toContain("hi");
    const denied = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer nope", "content-type": "application/json" },
      body: "{}",
    });
    expect(denied.status).toBe(401);
    const stopped = await cli.stop("SIGINT");
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/POST \/v1\/chat\/completions 200 key=team/);
    expect(stopped.stdout + stopped.stderr).not.toContain("test-key-team-7");
  });
});

describe("weft mock-llm --port", () => {
  it("listens on the port given, so stored connections keep working across restarts", async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const cli = await startCli(["mock-llm", "--port", String(free)], /listening on (http:\/\/\S+) /);
    expect(cli.match[1]).toBe(`http://127.0.0.1:${free}`);
    expect((await cli.stop("SIGINT")).code).toBe(0);
  });
});

describe("weft mock-llm, on a port in use", () => {
  it("is a one-line usage error (exit 2), not an internal error", async () => {
    const busy = new URL(server.url).port;
    const result = await runCli(["mock-llm", "--port", busy]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: --port ${busy}: 127.0.0.1:${busy} is already in use; pick another port or leave --port out\n`,
    );
  });
});

describe("static connections from the store", () => {
  it("a static connection only behind a dynamicConnection may be missing: a warning, and the run goes on", async () => {
    const result = await runCli(
      [
        "run",
        "examples/dynamic-connection/dynamic-connection.flow.json",
        "--input-env",
        "customerKey=CUSTOMER_KEY",
        "--input",
        `customerEndpoint=${server.url}/models`,
      ],
      { env: env() },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'warning: unknown connection "shared-foundry" (the fallback of node "answer": the run fails only if the dynamicConnection resolves to nothing): expected one of (no connections are configured)\n',
    );
    expect(JSON.parse(result.stdout).connection.source).toBe("dynamic");
  });

  it("a static connection a node needs is exit 2, naming the stored ones", async () => {
    const home = tempHome();
    const created = await runCli(
      [
        "connection",
        "create",
        "other",
        "--type",
        "azure-ai",
        "--endpoint",
        `${server.url}/models`,
        "--api-key-env",
        "CONTOSO_KEY",
      ],
      { env: { ...env(), WEFT_HOME: home } },
    );
    expect(created.code, created.stderr).toBe(0);
    const result = await runCli(["run", "examples/static-connection/static-connection.flow.json"], {
      env: { ...env(), WEFT_HOME: home },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: unknown connection "shared-foundry" (named by node "answer"): expected one of other (add one with: weft connection create <name> ...)\n',
    );
    expect(server.requests).toEqual([]);
  });

  it("weft connection test reports ok, auth failed and unreachable with the endpoint kind", async () => {
    const home = tempHome();
    const run = (args: string[]) =>
      runCli(args, { env: { ...env(), WEFT_HOME: home, WRONG_KEY: `${CANARY}-x` } });
    for (const [name, endpoint, keyVar] of [
      ["good", `${server.url}/openai/deployments/gpt-4o-mini`, "CONTOSO_KEY"],
      ["bad-key", `${server.url}/models`, "WRONG_KEY"],
      ["nowhere", "http://127.0.0.1:9/models", "CONTOSO_KEY"],
    ] as const) {
      const created = await run([
        "connection",
        "create",
        name,
        "--type",
        "azure-ai",
        "--endpoint",
        endpoint,
        "--api-key-env",
        keyVar,
      ]);
      expect(created.code, created.stderr).toBe(0);
    }
    const good = await run(["connection", "test", "good"]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(
      /^✓ good: ok \(azure-openai-deployment at 127\.0\.0\.1:\d+, model gpt-4o-mini\)\n$/,
    );
    const badKey = await run(["connection", "test", "bad-key"]);
    expect(badKey.code).toBe(1);
    expect(badKey.stdout).toMatch(
      /^✗ bad-key: auth failed \(foundry-models at 127\.0\.0\.1:\d+\): .*answered 401/,
    );
    const nowhere = await run(["connection", "test", "nowhere", "--json"]);
    expect(nowhere.code).toBe(1);
    expect(JSON.parse(nowhere.stdout)).toMatchObject({
      name: "nowhere",
      outcome: "unreachable",
      kind: "foundry-models",
    });
    const unknown = await run(["connection", "test", "missing"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'error: unknown connection "missing": expected one of bad-key, good, nowhere\n',
    );
    for (const output of [good, badKey, nowhere, unknown]) expectNoCanary(output.stdout, output.stderr);
  }, 60_000);
});

describe("weft run --concurrency", () => {
  const FAN_OUT = "test/fixtures/cli/fan-out.flow.json";
  const runFanOut = (extra: string[]) =>
    runCli(
      [
        "run",
        FAN_OUT,
        "--input-env",
        "customerKey=CUSTOMER_KEY",
        "--input",
        `customerEndpoint=${server.url}/models`,
        ...extra,
      ],
      { env: env() },
    );

  it("bounds the nodes in flight, as the server sees them", async () => {
    // Every answer takes a while, so that requests overlap whenever the engine lets them.
    server.addRule({ delayMs: 300 });
    const bounded = await runFanOut(["--concurrency", "2"]);
    expect(bounded.code, bounded.stderr).toBe(0);
    expect(server.stats()).toMatchObject({ total: 6, maxConcurrency: 2 });

    server.reset();
    server.addRule({ delayMs: 300 });
    const unbounded = await runFanOut([]);
    expect(unbounded.code, unbounded.stderr).toBe(0);
    expect(server.stats().total).toBe(6);
    expect(server.stats().maxConcurrency).toBeGreaterThan(2);
    expectNoCanary(bounded.stdout, bounded.stderr, unbounded.stdout, unbounded.stderr);
  });
});
