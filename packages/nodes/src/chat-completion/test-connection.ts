import {
  type Connection,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  cutText,
  DEFAULT_MAX_RESPONSE_BYTES,
  FlowError,
  MAX_ERROR_MESSAGE_LENGTH,
  Redactor,
} from "@weft/engine";
import { describeTarget, isLlmConnection, isModelClientTarget } from "../llm/llm-target.js";
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
    if (timeout.aborted && !options.signal?.aborted) {
      return {
        outcome: "unreachable",
        kind: target.kind,
        host: target.host,
        message: `${target.host} did not answer within ${timeoutMs} ms`,
      };
    }
    if (!(error instanceof FlowError)) throw error;
    const outcome =
      error.code === "llm.auth"
        ? "auth-failed"
        : error.code === "llm.network" || error.code === "llm.timeout"
          ? "unreachable"
          : "failed";
    return {
      outcome,
      kind: target.kind,
      host: target.host,
      ...(error.status === undefined ? {} : { status: error.status }),
      // Scrubbed, then cut: a service's error text can be as long as the response limit.
      message: cutText(redactor.redactText(error.message), MAX_ERROR_MESSAGE_LENGTH),
    };
  }
}
