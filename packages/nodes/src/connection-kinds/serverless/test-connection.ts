import {
  type Connection,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  DEFAULT_MAX_RESPONSE_BYTES,
  FlowError,
  Redactor,
} from "@weft/engine";
import { describeTarget, isLlmConnection } from "../../llm/llm-target.js";
import {
  loadAzureSdk,
  modelClientFor,
  normalizeModelClientError,
  responseError,
} from "../../llm/model-client.js";
import { failedConnectionTest } from "../../service/failed-connection-test.js";

/**
 * `weft connection test` for a serverless endpoint: `GET /info` through `ModelClient`, the
 * cheapest call the endpoint serves (no tokens), which names the model it serves.
 */
export async function testServerlessConnection(
  connection: Connection,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  if (connection.type !== "serverless" || !isLlmConnection(connection)) {
    throw new FlowError(
      "connection.invalid",
      `expected a serverless connection, got a ${connection.type} one`,
    );
  }
  const target = describeTarget(connection, "connection-test");
  if (target.kind !== "serverless") throw new Error("expected a serverless target");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const apiKey = connection.apiKey.reveal();
  const where = { nodeId: "connection-test", host: target.host };
  // Outside a run nothing scrubs what the service says, and some services quote the key they refuse.
  const redactor = new Redactor();
  redactor.add(connection.apiKey);
  const report = { kind: target.kind, host: target.host };
  try {
    const azure = await loadAzureSdk();
    const client = modelClientFor(azure, target, { apiKey, maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES });
    const response = await Promise.resolve(
      client.path("/info").get({ abortSignal: signal, timeout: timeoutMs }),
    ).catch((error: unknown) => {
      throw normalizeModelClientError(error, { ...where, signal, timeoutMs });
    });
    const body = response.body as { model_name?: unknown } | undefined;
    if (response.status !== "200") throw responseError(response, body, apiKey, where);
    const model = typeof body?.model_name === "string" ? redactor.redactText(body.model_name) : undefined;
    return { outcome: "ok", ...report, ...(model ? { model } : {}) };
  } catch (error) {
    return failedConnectionTest(error, report, { timeoutMs, timeout, signal: options.signal, redactor });
  }
}
