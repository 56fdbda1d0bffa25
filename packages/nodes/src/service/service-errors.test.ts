import { type Connection, FlowError, type FlowNode, Secret } from "@weft/engine";
import type { Fault } from "@weft/testing";
import { describe, expect, it } from "vitest";
import {
  chatOutput,
  createTestEngine,
  deploymentEndpoint,
  eventsNamed,
  FAST_RETRY,
  foundryEndpoint,
  KEYS,
  recordEvents,
  runFlow,
  serverHost,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";
import {
  cutServiceText,
  isRetryableStatus,
  MAX_SERVICE_TEXT_LENGTH,
  networkError,
  readErrorBody,
  readRetryAfter,
  serviceError,
} from "./service-errors.js";

describe("isRetryableStatus", () => {
  it("retries 408, 429 and 5xx except 501 and 505", () => {
    const retryable = [400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504, 505].filter(
      isRetryableStatus,
    );
    expect(retryable).toEqual([408, 429, 500, 502, 503, 504]);
  });
});

describe("readRetryAfter", () => {
  const headers = (values: Record<string, string>) => (name: string) => values[name];

  it("prefers retry-after-ms, then x-ms-retry-after-ms, then retry-after in seconds", () => {
    expect(readRetryAfter(headers({ "retry-after-ms": "120", "retry-after": "9" }))).toBe(120);
    expect(readRetryAfter(headers({ "x-ms-retry-after-ms": "75", "retry-after": "9" }))).toBe(75);
    expect(readRetryAfter(headers({ "retry-after": "2" }))).toBe(2000);
    expect(readRetryAfter(headers({ "retry-after": "0.5" }))).toBe(500);
  });

  it("reads an HTTP date, never negative", () => {
    const soon = new Date(Date.now() + 60_000).toUTCString();
    expect(readRetryAfter(headers({ "retry-after": soon }))).toBeGreaterThan(50_000);
    expect(readRetryAfter(headers({ "retry-after": "Thu, 01 Jan 1970 00:00:00 GMT" }))).toBe(0);
  });

  it("ignores missing and unreadable hints", () => {
    expect(readRetryAfter(headers({}))).toBeUndefined();
    expect(readRetryAfter(headers({ "retry-after-ms": "soon", "retry-after": "later" }))).toBeUndefined();
    expect(readRetryAfter(headers({ "retry-after-ms": "-5" }))).toBeUndefined();
  });
});

describe("serviceError", () => {
  const where = { nodeId: "n", host: "contoso.openai.azure.com" };

  it.each([
    [401, undefined, "llm.auth", false, "(check the connection's API key)"],
    [403, undefined, "llm.auth", false, "(check the connection's API key)"],
    [404, undefined, "llm.request", false, "(check the endpoint, deployment and model names)"],
    [400, undefined, "llm.request", false, ""],
    [408, undefined, "llm.request", true, ""],
    [429, undefined, "llm.rate-limited", true, ""],
    [429, "insufficient_quota", "llm.quota", false, "retrying will not help"],
    [500, undefined, "llm.server", true, ""],
    [501, undefined, "llm.server", false, ""],
    [503, undefined, "llm.server", true, ""],
  ] as const)("classifies %i (%s) as %s", (status, code, expectedCode, retryable, hint) => {
    const error = serviceError({ status, ...(code ? { code } : {}), message: "Nope." }, where);
    expect(error).toBeInstanceOf(FlowError);
    expect(error).toMatchObject({ code: expectedCode, status, retryable, nodeId: "n" });
    expect(error.message).toContain(`contoso.openai.azure.com answered ${status}: Nope.`);
    expect(error.message).toContain(hint);
  });

  it("keeps the retry hint", () => {
    expect(serviceError({ status: 429, message: "slow down", retryAfterMs: 40 }, where).retryAfterMs).toBe(
      40,
    );
  });

  it("describes an error without a status, as in a stream's error event", () => {
    const error = serviceError({ message: "boom" }, where);
    expect(error).toMatchObject({ code: "llm.request", retryable: false, status: undefined });
    expect(error.message).toBe("contoso.openai.azure.com answered with an error: boom");
  });

  it("makes network errors retryable", () => {
    expect(networkError("ECONNRESET", where)).toMatchObject({
      code: "llm.network",
      retryable: true,
      message: "cannot reach contoso.openai.azure.com: ECONNRESET",
    });
  });
});

describe("readErrorBody", () => {
  it("reads the OpenAI and Azure error shapes", () => {
    expect(readErrorBody({ error: { message: "m", type: "invalid_request_error", code: null } })).toEqual({
      code: "invalid_request_error",
      message: "m",
    });
    expect(readErrorBody({ error: { code: "429", message: "m" } })).toEqual({ code: "429", message: "m" });
    expect(readErrorBody({ error: { code: 401, message: "m" } })).toEqual({ code: "401", message: "m" });
  });

  it("keeps the start of a text body and ignores anything else", () => {
    expect(readErrorBody("  <html>Bad gateway</html>  ")).toEqual({ message: "<html>Bad gateway</html>" });
    expect(readErrorBody("x".repeat(1000)).message).toHaveLength(300);
    expect(readErrorBody(undefined)).toEqual({});
    expect(readErrorBody({ detail: "no envelope" })).toEqual({});
  });

  it("masks the request's key in a text body before cutting it short", () => {
    const key = "test-key-CANARY-cut-4a5b6c";
    const body = `${"x".repeat(280)} key=${key} and more`;
    expect(readErrorBody(body, key).message).toBe(`${"x".repeat(280)} key=*** and more`);
    const encoded = `${"y".repeat(250)} token=${Buffer.from(`u:${key}`).toString("base64")}`;
    expect(cutServiceText(encoded, key)).not.toContain(Buffer.from(key).toString("base64").slice(4, 16));
    expect(cutServiceText("z".repeat(1000), key)).toHaveLength(MAX_SERVICE_TEXT_LENGTH);
  });
});

const server = useLlmServer();

/** The three kinds of connection, each through its own SDK client. */
const CLIENTS = [
  { label: "Foundry (ModelClient)", connection: "shared-foundry" },
  { label: "Azure OpenAI deployment (AzureOpenAI)", connection: "shared-deployment" },
  { label: "OpenAI (OpenAI)", connection: "shared-openai" },
] as const;

describe.each(CLIENTS)("failures through $label", ({ connection }) => {
  function chatNode(extra: Partial<FlowNode> = {}): FlowNode {
    return {
      id: "answer",
      type: "chat-completion",
      connection,
      retry: FAST_RETRY,
      inputs: { model: "gpt-4o-mini", prompt: "Hi" },
      ...extra,
    } as FlowNode;
  }

  async function runWithFault(fault: Fault, options: { times?: number; node?: Partial<FlowNode> } = {}) {
    server().addRule({ fault, ...(options.times === undefined ? {} : { times: options.times }) });
    return runFlow(createTestEngine(server()), { nodes: [chatNode(options.node)] });
  }

  it("retries a 429 after the server's retry-after-ms, then succeeds", async () => {
    const { result, events } = await runWithFault(
      { type: "status", status: 429, retryAfterMs: 3 },
      { times: 2 },
    );

    expect(result.status).toBe("succeeded");
    expect(result.nodes.answer?.attempts).toBe(3);
    const retries = eventsNamed(events, "node:retry");
    expect(retries).toMatchObject([
      { nodeId: "answer", attempt: 1, delayMs: 3, error: { code: "llm.rate-limited", status: 429 } },
      { nodeId: "answer", attempt: 2, delayMs: 3, error: { code: "llm.rate-limited", status: 429 } },
    ]);
    expect(server().requests.map((entry) => entry.status)).toEqual([429, 429, 200]);
    expect(eventsNamed(events, "node:end")).toMatchObject([{ status: "succeeded", attempts: 3 }]);
  });

  it("sends the next attempt only once the announced delay has passed", async () => {
    const { result, events } = await runWithFault(
      { type: "status", status: 429, retryAfterMs: 400 },
      { times: 1, node: { retry: { maxAttempts: 2, maxDelayMs: 1_000 } } },
    );

    expect(result.status).toBe("succeeded");
    expect(eventsNamed(events, "node:retry")).toMatchObject([{ attempt: 1, delayMs: 400 }]);
    const [refused, retried] = server().requests;
    // A lower bound only (the wait may be longer on a busy machine, never shorter), with margin
    // for the server's and the engine's clocks reading whole milliseconds.
    expect(retried!.startedAt - (refused!.startedAt + refused!.durationMs)).toBeGreaterThanOrEqual(300);
  });

  it("caps the server's retry hint at maxDelayMs", async () => {
    const { result, events } = await runWithFault(
      { type: "status", status: 429, retryAfter: 30 },
      { times: 1 },
    );

    expect(result.status).toBe("succeeded");
    expect(eventsNamed(events, "node:retry").map((retry) => retry.delayMs)).toEqual([FAST_RETRY.maxDelayMs]);
  });

  it("gives up on a 429 after maxAttempts", async () => {
    const { result } = await runWithFault(
      { type: "status", status: 429, retryAfterMs: 1 },
      { node: { retry: { ...FAST_RETRY, maxAttempts: 2 } } },
    );

    expect(result.nodes.answer?.error).toMatchObject({ code: "llm.rate-limited", status: 429 });
    expect(result.nodes.answer?.attempts).toBe(2);
    expect(server().requests).toHaveLength(2);
  });

  it("does not retry a 429 for exhausted quota", async () => {
    const { result, events } = await runWithFault({
      type: "status",
      status: 429,
      code: "insufficient_quota",
    });

    expect(result.status).toBe("failed");
    expect(result.nodes.answer?.error).toMatchObject({ code: "llm.quota", status: 429, nodeId: "answer" });
    expect(result.nodes.answer?.error?.message).toContain("quota");
    expect(result.nodes.answer?.attempts).toBe(1);
    expect(eventsNamed(events, "node:retry")).toEqual([]);
    expect(server().requests).toHaveLength(1);
  });

  it.each([500, 503])(
    "retries %i up to the node type's 4 attempts, then fails with llm.server",
    async (status) => {
      const { result, events } = await runWithFault({ type: "status", status });

      expect(result.status).toBe("failed");
      expect(result.nodes.answer?.error).toMatchObject({ code: "llm.server", status, nodeId: "answer" });
      expect(result.nodes.answer?.error?.message).toContain(`${serverHost(server())} answered ${status}`);
      expect(result.nodes.answer?.attempts).toBe(4);
      expect(eventsNamed(events, "node:retry").map((retry) => retry.attempt)).toEqual([1, 2, 3]);
      for (const retry of eventsNamed(events, "node:retry")) {
        expect(retry.delayMs).toBeLessThanOrEqual(FAST_RETRY.maxDelayMs);
      }
      expect(server().requests).toHaveLength(4);
      expect(result.error).toEqual(result.nodes.answer?.error);
    },
  );

  it("honours the node's maxAttempts for a 500", async () => {
    const { result } = await runWithFault(
      { type: "status", status: 500 },
      { node: { retry: { ...FAST_RETRY, maxAttempts: 2 } } },
    );

    expect(result.nodes.answer?.attempts).toBe(2);
    expect(server().requests).toHaveLength(2);
  });

  it("fails a wrong key at once with llm.auth, naming the host and not the key", async () => {
    const wrongKey = "wrong-key-d41d8cd9";
    const engine = createTestEngine(server(), {
      wrong: (connection === "shared-openai"
        ? { type: "openai", baseUrl: `${server().url}/v1`, apiKey: new Secret(wrongKey) }
        : {
            type: "azure-ai",
            endpoint:
              connection === "shared-foundry" ? foundryEndpoint(server()) : deploymentEndpoint(server()),
            apiKey: new Secret(wrongKey),
          }) as Connection,
    });
    const { result, events } = await runFlow(engine, { nodes: [chatNode({ connection: "wrong" })] });

    expect(result.nodes.answer?.error).toMatchObject({ code: "llm.auth", status: 401, nodeId: "answer" });
    const message = result.nodes.answer?.error?.message ?? "";
    expect(message).toContain(`${serverHost(server())} answered 401`);
    expect(message).toContain("check the connection's API key");
    expect(result.nodes.answer?.attempts).toBe(1);
    expect(server().requests).toMatchObject([{ status: 401 }]);
    expect(JSON.stringify(result)).not.toContain(wrongKey);
    expect(JSON.stringify(events)).not.toContain(wrongKey);
  });

  it("retries a dropped connection as llm.network, then succeeds", async () => {
    const { result, events } = await runWithFault({ type: "drop" }, { times: 1 });

    expect(result.status).toBe("succeeded");
    expect(result.nodes.answer?.attempts).toBe(2);
    const [retry] = eventsNamed(events, "node:retry");
    expect(retry?.error.code).toBe("llm.network");
    expect(retry?.error.message).toContain(`cannot reach ${serverHost(server())}`);
  });

  it("fails with llm.network when the connection keeps dropping", async () => {
    const { result } = await runWithFault(
      { type: "drop" },
      { node: { retry: { ...FAST_RETRY, maxAttempts: 2 } } },
    );

    expect(result.nodes.answer?.error?.code).toBe("llm.network");
    expect(result.nodes.answer?.attempts).toBe(2);
  });

  it("masks the key in a text error body before cutting it short", async () => {
    const { result, events } = await runWithFault(
      // A 401 adds a hint after the service's text, so a cut key would not be at the end.
      { type: "raw-body", status: 401, body: `${"x".repeat(280)} key=${KEYS.shared}` },
      { node: { retry: { ...FAST_RETRY, maxAttempts: 1 } } },
    );

    const message = result.nodes.answer?.error?.message ?? "";
    // Positive control: the body was quoted, the key in it masked.
    expect(message).toContain(`${"x".repeat(50)}`);
    expect(message).toContain("key=***");
    for (const text of [message, JSON.stringify(result), JSON.stringify(events)]) {
      expect(text).not.toContain(KEYS.shared.slice(0, 8));
    }
  });

  it("does not quote a piece of a malformed body, which may hold part of the key", async () => {
    const { result } = await runWithFault(
      { type: "raw-body", contentType: "application/json", body: `{"error": ${KEYS.shared} and more}` },
      { node: { retry: { ...FAST_RETRY, maxAttempts: 1 } } },
    );

    const error = result.nodes.answer?.error;
    expect(error?.code).toBe("llm.response");
    expect(error?.message).toMatch(/sent a malformed response: Unexpected token .* \(not valid JSON\)$/);
    expect(error?.message).not.toContain(KEYS.shared.slice(0, 6));
  });

  it("reports a malformed JSON body as a malformed response", async () => {
    const { result } = await runWithFault(
      { type: "malformed-json" },
      { node: { retry: { ...FAST_RETRY, maxAttempts: 1 } } },
    );

    expect(result.status).toBe("failed");
    const error = result.nodes.answer?.error;
    expect(error?.code).toBe("llm.response");
    expect(error?.message).toMatch(new RegExp(`^${serverHost(server())} sent a malformed response: `));
    expect(error?.message).toContain("JSON");
  });

  it("retries a malformed JSON body once, then succeeds", async () => {
    const { result } = await runWithFault({ type: "malformed-json" }, { times: 1 });

    expect(chatOutput(result, "answer").content).toBe('Offline reply from gpt-4o-mini: "Hi"');
    expect(result.nodes.answer?.attempts).toBe(2);
  });

  it("times out a hung request with the node's timeoutMs", async () => {
    // The server never answers: the deadline fires whatever its length, and a second lets a loaded
    // machine deliver the request first, which the server's log checks.
    const { result, events } = await runWithFault({ type: "hang" }, { node: { timeoutMs: 1_000 } });

    expect(result.status).toBe("failed");
    expect(result.nodes.answer?.error).toEqual({
      code: "node.timeout",
      message: 'node "answer" timed out after 1000 ms (timeoutMs)',
      nodeId: "answer",
    });
    expect(result.nodes.answer?.attempts).toBe(1);
    expect(eventsNamed(events, "node:retry")).toEqual([]);
    expect(server().requests).toHaveLength(1);
  });

  it("counts retries within the node's timeoutMs, which bounds all attempts together", async () => {
    server().addRule({ fault: { type: "status", status: 503, retryAfterMs: 1 }, times: 1 });
    // Room for the refused request, its retry and the retry's arrival on a loaded machine.
    const { result } = await runWithFault({ type: "hang" }, { node: { timeoutMs: 1_500 } });

    expect(result.nodes.answer?.error?.code).toBe("node.timeout");
    expect(result.nodes.answer?.attempts).toBe(2);
    expect(server().requests.map((entry) => entry.fault)).toEqual(["status", "hang"]);
  });

  it("cancels a hung request when the run's AbortSignal aborts", async () => {
    server().addRule({ fault: { type: "hang" } });
    const controller = new AbortController();
    const handle = createTestEngine(server()).run(
      {
        nodes: [
          chatNode(),
          {
            id: "later",
            type: "declare-variable",
            inputs: { name: "x", value: "${nodes.answer.output.content}" },
          },
        ],
      },
      { signal: controller.signal },
    );
    const events = recordEvents(handle);
    await waitUntil(() => server().requests.length === 1);
    controller.abort();
    const result = await handle;

    expect(result.status).toBe("cancelled");
    expect(result.nodes.answer?.status).toBe("cancelled");
    expect(result.nodes.later?.status).toBe("cancelled");
    expect(result.error?.code).toBe("run.cancelled");
    expect(eventsNamed(events, "run:end")).toMatchObject([{ status: "cancelled" }]);
    expect(eventsNamed(events, "node:retry")).toEqual([]);
    // The request was given up, not left hanging.
    await waitUntil(() => server().requests[0]!.durationMs > 0);
  });

  it("cancels a run waiting between retries", async () => {
    server().addRule({ fault: { type: "status", status: 503, retryAfterMs: 60_000 } });
    const handle = createTestEngine(server()).run({
      nodes: [chatNode({ retry: { initialDelayMs: 1, maxDelayMs: 60_000 } })],
    });
    const events = recordEvents(handle);
    await waitUntil(() => eventsNamed(events, "node:retry").length === 1);
    handle.cancel("the user pressed stop");
    const result = await handle;

    expect(result.status).toBe("cancelled");
    expect(result.error).toEqual({ code: "run.cancelled", message: "the user pressed stop" });
    expect(server().requests).toHaveLength(1);
  });
});
