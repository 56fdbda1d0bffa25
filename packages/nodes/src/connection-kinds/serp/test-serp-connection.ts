import {
  type Connection,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  DEFAULT_MAX_RESPONSE_BYTES,
  FlowError,
  isSecret,
  Redactor,
} from "@weft/engine";
import { failedConnectionTest } from "../../service/failed-connection-test.js";
import { callSerpApi, hostOf, serpBaseUrl } from "./serp-call.js";

/**
 * `weft connection test` for SerpAPI: `GET /account.json`, which costs no search, and reports
 * whether the key was accepted. Nothing of the answer is passed on: it holds the key.
 */
export async function testSerpConnection(
  connection: Connection,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const apiKey = connection.apiKey;
  if (connection.type !== "serp" || !isSecret(apiKey)) {
    throw new FlowError("connection.invalid", `expected a serp connection, got a ${connection.type} one`);
  }
  const baseUrl = serpBaseUrl(connection as { baseUrl?: string });
  const host = hostOf(baseUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  // callSerpApi masks the key in what the service says; the redactor makes sure of it.
  const redactor = new Redactor();
  redactor.add(apiKey);
  try {
    await callSerpApi({
      baseUrl,
      path: "/account.json",
      params: [],
      apiKey: apiKey.reveal(),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      nodeId: "connection-test",
    });
    return { outcome: "ok", kind: "serp", host };
  } catch (error) {
    return failedConnectionTest(
      error,
      { kind: "serp", host },
      { timeoutMs, timeout, signal: options.signal, redactor },
    );
  }
}
