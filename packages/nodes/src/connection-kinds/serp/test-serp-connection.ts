import {
  type Connection,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  DEFAULT_MAX_RESPONSE_BYTES,
  FlowError,
  isSecret,
} from "@weft/engine";
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
    if (timeout.aborted && !options.signal?.aborted) {
      return {
        outcome: "unreachable",
        kind: "serp",
        host,
        message: `${host} did not answer within ${timeoutMs} ms`,
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
      kind: "serp",
      host,
      ...(error.status === undefined ? {} : { status: error.status }),
      // callSerpApi already masked the key in what the service said.
      message: error.message,
    };
  }
}
