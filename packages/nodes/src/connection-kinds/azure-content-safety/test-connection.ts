import {
  type Connection,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  cutText,
  DEFAULT_MAX_RESPONSE_BYTES,
  FlowError,
  MAX_ERROR_MESSAGE_LENGTH,
  Redactor,
  type Secret,
} from "@weft/engine";
import { listBlocklists } from "./client.js";
import { DEFAULT_CONTENT_SAFETY_API_VERSION, parseContentSafetyEndpoint } from "./endpoint.js";

/**
 * Lists the resource's blocklists: the cheapest authenticated call Content Safety has (no text is
 * analysed, so nothing is billed), through the same client a flow uses.
 */
export async function testContentSafetyConnection(
  connection: Connection,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const {
    endpoint: text,
    apiKey,
    apiVersion,
  } = connection as Connection & {
    endpoint: string;
    apiKey: Secret;
    apiVersion?: string;
  };
  const endpoint = parseContentSafetyEndpoint(text);
  const kind = "azure-content-safety";
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  // Outside a run nothing scrubs what the service says, and some services quote the key they refuse.
  const redactor = new Redactor();
  redactor.add(apiKey);
  try {
    await listBlocklists({
      endpoint,
      apiVersion: apiVersion ?? endpoint.apiVersion ?? DEFAULT_CONTENT_SAFETY_API_VERSION,
      apiKey: apiKey.reveal(),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      timeoutMs,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      nodeId: "connection-test",
    });
    return { outcome: "ok", kind, host: endpoint.host };
  } catch (error) {
    if (timeout.aborted && !options.signal?.aborted) {
      return {
        outcome: "unreachable",
        kind,
        host: endpoint.host,
        message: `${endpoint.host} did not answer within ${timeoutMs} ms`,
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
      kind,
      host: endpoint.host,
      ...(error.status === undefined ? {} : { status: error.status }),
      // Scrubbed, then cut: a service's error text can be as long as the response limit.
      message: cutText(redactor.redactText(error.message), MAX_ERROR_MESSAGE_LENGTH),
    };
  }
}
