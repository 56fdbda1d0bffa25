import {
  type Connection,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  DEFAULT_MAX_RESPONSE_BYTES,
  FlowError,
  Redactor,
} from "@weft/engine";
import { describeTarget, isLlmConnection, isModelClientTarget } from "../llm/llm-target.js";
import { failedConnectionTest } from "../service/failed-connection-test.js";
import type { ChatCall } from "./chat-call.js";
import { callModelClient } from "./model-client-call.js";
import { callOpenAi } from "./openai-call.js";

/**
 * Sends one tiny chat completion (`max_tokens: 1`) through the connection, with the same clients
 * and classification a flow would use, and reports whether it answered.
 */
export async function testConnection(
  connection: Connection,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  if (!isLlmConnection(connection)) {
    throw new FlowError("connection.invalid", `${connection.type} connections have no endpoint to test`);
  }
  const target = describeTarget(connection, "connection-test");
  const model =
    options.model ?? (target.kind === "azure-openai-deployment" ? target.deployment : "gpt-4o-mini");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const call: ChatCall = {
    body: { model, messages: [{ role: "user", content: "ping" }], max_tokens: 1 },
    stream: false,
    apiKey: connection.apiKey.reveal(),
    signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    timeoutMs,
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
    onToken: () => {},
    nodeId: "connection-test",
  };
  // Outside a run nothing scrubs what the service says, and some services quote the key they refuse.
  const redactor = new Redactor();
  redactor.add(connection.apiKey);
  try {
    const result = isModelClientTarget(target)
      ? await callModelClient(target, call)
      : await callOpenAi(target, call);
    return { outcome: "ok", kind: target.kind, host: target.host, model: redactor.redactText(result.model) };
  } catch (error) {
    return failedConnectionTest(
      error,
      { kind: target.kind, host: target.host },
      { timeoutMs, timeout, signal: options.signal, redactor },
    );
  }
}
