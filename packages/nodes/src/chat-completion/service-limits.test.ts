import { DEFAULT_MAX_RESPONSE_BYTES, type FlowNode, MAX_ERROR_MESSAGE_LENGTH } from "@weft/engine";
import type { Fault } from "@weft/testing";
import { describe, expect, it } from "vitest";
import {
  chatOutput,
  createTestEngine,
  eventsNamed,
  FAST_RETRY,
  KEYS,
  runFlow,
  serverHost,
  useLlmServer,
} from "../../test-support/offline-engine.js";

const server = useLlmServer();

/** The three kinds of connection, each through its own SDK client. */
const CLIENTS = [
  { label: "Foundry (ModelClient)", connection: "shared-foundry" },
  { label: "Azure OpenAI deployment (AzureOpenAI)", connection: "shared-deployment" },
  { label: "OpenAI (OpenAI)", connection: "shared-openai" },
] as const;

const MB = 1024 * 1024;

describe.each(CLIENTS)("through $label", ({ connection }) => {
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

  describe("deadlines", () => {
    it("times out each request to a server that never answers, retries, then fails with node.timeout", async () => {
      // The server never answers, so the deadline fires whatever its length; it is long enough for
      // a loaded machine (stalled for half a second) to deliver each attempt before it, which the
      // server's log checks.
      const engine = createTestEngine(server(), {}, { requestTimeoutMs: 1_000 });
      // The first request loads the SDK: let that happen outside the deadline.
      await runFlow(engine, { nodes: [chatNode()] });
      server().reset();
      server().addRule({ fault: { type: "hang" } });
      const { result, events } = await runFlow(engine, {
        nodes: [chatNode({ retry: { ...FAST_RETRY, maxAttempts: 2 } })],
      });

      expect(result.status).toBe("failed");
      expect(result.nodes.answer).toMatchObject({
        status: "failed",
        attempts: 2,
        error: {
          code: "node.timeout",
          message:
            'node "answer": a service request did not finish within 1000 ms (requestTimeoutMs, set by the app running the flow)',
        },
      });
      expect(eventsNamed(events, "node:retry").map((retry) => retry.error.code)).toEqual(["node.timeout"]);
      expect(server().requests.map((entry) => entry.fault)).toEqual(["hang", "hang"]);
    });

    it("ends a run that keeps retrying a server that never answers with run.timeout", async () => {
      server().addRule({ fault: { type: "hang" } });
      // 100 attempts of 250 ms cannot fit in 1 s, however slow the machine: the run's deadline ends
      // it. (A loaded machine still delivers at least one of its attempts to the server.)
      const { result } = await runFlow(
        createTestEngine(server()),
        { nodes: [chatNode({ requestTimeoutMs: 250, retry: { ...FAST_RETRY, maxAttempts: 100 } })] },
        { runTimeoutMs: 1_000 },
      );

      expect(result.status).toBe("failed");
      expect(result.error).toEqual({
        code: "run.timeout",
        message: "the run did not finish within 1000 ms (runTimeoutMs, set by the app running the flow)",
      });
      expect(result.nodes.answer).toMatchObject({ status: "cancelled", reason: result.error?.message });
      expect(result.nodes.answer!.attempts).toBeGreaterThanOrEqual(1);
      expect(server().requests.length).toBeGreaterThanOrEqual(1);
    });

    it("takes the run's deadline from the flow's timeoutMs", async () => {
      server().addRule({ fault: { type: "hang" } });
      const { result } = await runFlow(createTestEngine(server()), {
        timeoutMs: 200,
        nodes: [chatNode({ requestTimeoutMs: 60_000 })],
      });

      expect(result.error).toEqual({
        code: "run.timeout",
        message: `the run did not finish within 200 ms (the flow's "timeoutMs")`,
      });
      expect(result.nodes.answer).toMatchObject({ status: "cancelled", attempts: 1 });
    });
  });

  describe("response size", () => {
    async function runWithFault(fault: Fault, node: Partial<FlowNode> = {}, maxResponseBytes?: number) {
      server().addRule({ fault });
      const engine = createTestEngine(server(), {}, maxResponseBytes ? { maxResponseBytes } : {});
      return runFlow(engine, { nodes: [chatNode(node)] });
    }

    it("stops reading a 50 MB answer at 8 MiB and fails, without retrying", async () => {
      const bytes = 50 * MB;
      const { result, events } = await runWithFault({ type: "huge-body", bytes });

      expect(result.nodes.answer).toMatchObject({
        status: "failed",
        attempts: 1,
        error: {
          code: "llm.response-too-large",
          status: 200,
          message: `${serverHost(server())} answered 200 with a body of more than ${DEFAULT_MAX_RESPONSE_BYTES} bytes; stopped reading it there (maxResponseBytes, an option of the app running the flow)`,
        },
      });
      expect(eventsNamed(events, "node:retry")).toEqual([]);
      expect(server().requests[0]!.bodyBytesSent).toBeLessThan(bytes);
    });

    it("stops reading a 50 MB error body too", async () => {
      const bytes = 50 * MB;
      const { result } = await runWithFault({ type: "huge-body", bytes, status: 500 });

      expect(result.nodes.answer).toMatchObject({
        status: "failed",
        attempts: 1,
        error: { code: "llm.response-too-large", status: 500 },
      });
      expect(result.nodes.answer!.error!.message).toContain("answered 500 with a body of more than");
      expect(server().requests[0]!.bodyBytesSent).toBeLessThan(bytes);
    });

    it("stops reading a stream at the limit", async () => {
      const bytes = 50 * MB;
      // A smaller limit: both SDKs' event parsers take seconds over megabytes without a line break.
      const { result } = await runWithFault({ type: "huge-body", bytes }, { inputs: streamInputs() }, MB);

      expect(result.nodes.answer).toMatchObject({
        status: "failed",
        attempts: 1,
        error: { code: "llm.response-too-large", status: 200 },
      });
      expect(server().requests[0]!.bodyBytesSent).toBeLessThan(bytes);
    });

    it("refuses a body whose declared length is past the limit before reading it", async () => {
      const bytes = 50 * MB;
      const { result } = await runWithFault({ type: "huge-body", bytes, status: 503, declareLength: true });

      expect(result.nodes.answer).toMatchObject({
        attempts: 1,
        error: { code: "llm.response-too-large", status: 503 },
      });
      expect(server().requests[0]!.bodyBytesSent).toBeLessThan(bytes);
    });

    it("applies the app's maxResponseBytes", async () => {
      const { result } = await runWithFault({ type: "huge-body", bytes: 100_000 }, {}, 65_536);
      expect(result.nodes.answer!.error).toMatchObject({ code: "llm.response-too-large" });
      expect(result.nodes.answer!.error!.message).toContain("more than 65536 bytes");
    });

    it("reads a long answer under the limit whole", async () => {
      const { result } = await runWithFault({ type: "huge-body", bytes: 2 * MB });
      expect(chatOutput(result, "answer").content).toMatch(/^x{2000000,}$/);
    });

    it("scrubs a service's long error message, then cuts it", async () => {
      // The key sits across the cut: cutting before scrubbing would leave its start in the message.
      const message = `${"a".repeat(MAX_ERROR_MESSAGE_LENGTH - 60)} ${KEYS.shared} ${"b".repeat(200_000)}`;
      const { result } = await runWithFault({ type: "status", status: 400, message });

      const error = result.nodes.answer!.error!;
      expect(error.code).toBe("llm.request");
      expect(error.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
      expect(error.message).toMatch(/…\[cut, \d+ characters in all\]$/);
      expect(error.message).not.toContain(KEYS.shared.slice(0, 8));
      expect(result.error!.message).toBe(error.message);
    });
  });

  describe("a 200 that is not a chat completion", () => {
    it.each([
      ["a JSON null", { type: "raw-body", body: "null", contentType: "application/json" }, "null"],
      [
        "a text page",
        { type: "raw-body", body: "<html>Service moved</html>" },
        'text of 26 characters, not a chat completion (a JSON object with "choices"): "<html>Service moved</html>"',
      ],
    ] as const)("fails clearly on %s, once", async (_label, fault, described) => {
      server().addRule({ fault });
      const { result, events } = await runFlow(createTestEngine(server()), { nodes: [chatNode()] });

      expect(result.nodes.answer).toMatchObject({ status: "failed", attempts: 1 });
      expect(result.nodes.answer!.error).toEqual({
        code: "llm.response",
        nodeId: "answer",
        message: `${serverHost(server())} answered 200 with ${described}${described === "null" ? ', not a chat completion (a JSON object with "choices")' : ""}`,
      });
      expect(eventsNamed(events, "node:retry")).toEqual([]);
    });
  });
});

function streamInputs() {
  return { model: "gpt-4o-mini", prompt: "Hi", stream: true };
}
