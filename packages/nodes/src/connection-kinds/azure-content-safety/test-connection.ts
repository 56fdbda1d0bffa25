import {
  type Connection,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  DEFAULT_MAX_RESPONSE_BYTES,
  Redactor,
  type Secret,
} from "@weft/engine";
import { failedConnectionTest } from "../../service/failed-connection-test.js";
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
    return failedConnectionTest(
      error,
      { kind, host: endpoint.host },
      { timeoutMs, timeout, signal: options.signal, redactor },
    );
  }
}
