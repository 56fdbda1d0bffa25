import { DEFAULT_MAX_RESPONSE_BYTES } from "@weft/engine";
import type { ContentSafetyRule } from "@weft/testing";
import { describe, expect, it } from "vitest";
import { contentSafetyConnection, moderateNode, moderation } from "../../test-support/content-safety.js";
import {
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  runFlow,
  serverHost,
  useLlmServer,
  waitUntil,
} from "../../test-support/offline-engine.js";

const server = useLlmServer();

async function runWithRule(
  rule: ContentSafetyRule,
  options: { maxAttempts?: number; maxResponseBytes?: number } = {},
) {
  server().addContentSafetyRule(rule);
  const engine = createTestEngine(
    server(),
    contentSafetyConnection(server()),
    options.maxResponseBytes ? { maxResponseBytes: options.maxResponseBytes } : {},
  );
  return runFlow(engine, {
    nodes: [
      moderateNode({ text: "hate:6" }, { retry: { ...FAST_RETRY, maxAttempts: options.maxAttempts ?? 3 } }),
    ],
  });
}

describe("content-safety-text: service faults through the real client", () => {
  it("retries a 429, waiting as retry-after-ms says, then succeeds", async () => {
    const { result, events } = await runWithRule({
      fault: { type: "status", status: 429, retryAfterMs: 2 },
      times: 1,
    });

    expect(moderation(result).suggestedAction).toBe("Reject");
    expect(result.nodes.moderate?.attempts).toBe(2);
    const [retry] = eventsNamed(events, "node:retry");
    expect(retry?.error).toMatchObject({ code: "llm.rate-limited" });
    expect(retry?.error.message).toContain("answered 429: The current requests per second have exceeded");
    // The hint wins over the policy's own backoff (FAST_RETRY caps delays at 5 ms).
    expect(retry?.delayMs).toBe(2);
    expect(server().requests.map((entry) => entry.status)).toEqual([429, 200]);
  });

  it("honours retry-after in seconds", async () => {
    const { events } = await runWithRule({
      fault: { type: "status", status: 503, retryAfter: 0.004 },
      times: 1,
    });
    expect(eventsNamed(events, "node:retry")[0]?.delayMs).toBe(4);
  });

  it.each([
    [500, "llm.server", "Some unexpected situations on the server side"],
    [503, "llm.server", "cannot process the request temporarily"],
  ])("retries a %i until the attempts run out, then fails with %s", async (status, code, serviceText) => {
    const { result, events } = await runWithRule({ fault: { type: "status", status } });

    expect(result.nodes.moderate).toMatchObject({ status: "failed", attempts: 3, error: { code, status } });
    expect(result.nodes.moderate?.error?.message).toContain(`${serverHost(server())} answered ${status}`);
    expect(eventsNamed(events, "node:retry")).toHaveLength(2);
    expect(server().requests).toHaveLength(3);
    expect(result.nodes.moderate?.error?.message).toContain(serviceText);
  });

  it("does not retry a 400 and says what the service said", async () => {
    const { result } = await runWithRule({
      fault: { type: "status", status: 400, message: "Blocklist names are invalid." },
    });

    expect(result.nodes.moderate).toMatchObject({
      status: "failed",
      attempts: 1,
      error: {
        code: "llm.request",
        message: `${serverHost(server())} answered 400: Blocklist names are invalid.`,
      },
    });
  });

  it("retries a dropped connection as a network error", async () => {
    const { result, events } = await runWithRule({ fault: { type: "drop" }, times: 1 });

    expect(moderation(result).suggestedAction).toBe("Reject");
    expect(eventsNamed(events, "node:retry")[0]?.error).toMatchObject({ code: "llm.network" });
  });

  it("retries a malformed body, and refuses a body that is not an analysis", async () => {
    const malformed = await runWithRule({ fault: { type: "malformed-json" }, times: 1 });
    expect(malformed.result.status).toBe("succeeded");
    expect(eventsNamed(malformed.events, "node:retry")[0]?.error).toMatchObject({
      code: "llm.response",
      message: expect.stringContaining("sent a malformed response"),
    });

    server().reset();
    const raw = await runWithRule({
      fault: { type: "raw-body", body: '{"verdict":"fine"}', contentType: "application/json" },
    });
    expect(raw.result.nodes.moderate).toMatchObject({
      attempts: 1,
      error: {
        code: "llm.response",
        message: expect.stringContaining("something other than a text analysis"),
      },
    });
  });

  it("stops reading a body past maxResponseBytes, success or error", async () => {
    const huge = await runWithRule(
      { fault: { type: "huge-body", bytes: 20 * 1024 * 1024 } },
      { maxResponseBytes: 50_000 },
    );
    expect(huge.result.nodes.moderate).toMatchObject({
      attempts: 1,
      error: {
        code: "llm.response-too-large",
        message: `${serverHost(server())} answered 200 with a body of more than 50000 bytes; stopped reading it there (maxResponseBytes, an option of the app running the flow)`,
      },
    });
    await waitUntil(() => server().requests[0]?.durationMs !== 0, {
      what: "the server to see the client go",
    });
    expect(server().requests[0]?.bodyBytesSent).toBeLessThan(20 * 1024 * 1024);

    server().reset();
    const error = await runWithRule({
      fault: { type: "huge-body", bytes: DEFAULT_MAX_RESPONSE_BYTES + 10, status: 500, declareLength: true },
    });
    expect(error.result.nodes.moderate?.error).toMatchObject({ code: "llm.response-too-large", status: 500 });
  });

  it("times out a request that hangs (requestTimeoutMs) and retries it", async () => {
    // The service never answers: the deadline fires whatever its length, and a second lets a loaded
    // machine deliver the retry before it, which the server's log checks.
    const engine = createTestEngine(server(), contentSafetyConnection(server()), { requestTimeoutMs: 1_000 });
    // The first request loads the SDK: let that happen outside the deadline.
    await runFlow(engine, { nodes: [moderateNode({ text: "warm up" })] });
    server().reset();
    server().addContentSafetyRule({ fault: { type: "hang" } });
    const { result, events } = await runFlow(engine, {
      nodes: [moderateNode({ text: "hi" }, { retry: { ...FAST_RETRY, maxAttempts: 2 } })],
    });

    expect(result.nodes.moderate).toMatchObject({
      status: "failed",
      attempts: 2,
      error: { code: "node.timeout" },
    });
    expect(eventsNamed(events, "node:retry").map((retry) => retry.error.code)).toEqual(["node.timeout"]);
    expect(server().requests.map((entry) => entry.fault)).toEqual(["hang", "hang"]);
  });

  it("cancels a request in flight when the run is cancelled", async () => {
    server().addContentSafetyRule({ fault: { type: "hang" } });
    const engine = createTestEngine(server(), contentSafetyConnection(server()));
    const handle = engine.run({ nodes: [moderateNode({ text: "hi" })] });
    await waitUntil(() => server().requests.length === 1, { what: "the request to arrive" });
    handle.cancel();
    const result = await handle;

    expect(result.status).toBe("cancelled");
    expect(result.nodes.moderate).toMatchObject({ status: "cancelled", attempts: 1 });
    // The client went away: the server saw the socket close.
    await waitUntil(() => server().requests[0]?.durationMs !== 0, {
      what: "the server to see the client go",
    });
    expect(server().requests).toHaveLength(1);
  });
});
