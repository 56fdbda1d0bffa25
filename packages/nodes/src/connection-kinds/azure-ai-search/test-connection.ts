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
import { normalizeSearchError } from "../../index-lookup/search-call.js";
import { indexClientFor } from "../../index-lookup/search-client.js";
import { parseSearchEndpoint } from "./endpoint.js";

/** Most index names read by a test: the first page is proof enough that the key works. */
const MAX_LISTED_INDEXES = 50;

/**
 * Lists the service's index names (`GET /indexes?$select=name`, the cheapest call that proves the
 * key) and reports whether it answered. A query key may only search: the service refuses it the
 * list with a 403, which the message explains.
 */
export async function testSearchConnection(
  connection: Connection,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const kind = "azure-ai-search";
  const endpoint = parseSearchEndpoint(String(connection.endpoint));
  const host = endpoint.host;
  const apiKey = (connection.apiKey as Secret).reveal();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const redactor = new Redactor();
  redactor.add(connection.apiKey as Secret);
  const target = {
    endpoint,
    apiKey,
    ...(typeof connection.apiVersion === "string" ? { apiVersion: connection.apiVersion } : {}),
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  };
  const where = { nodeId: "connection-test", host };
  try {
    const client = await indexClientFor(target);
    let count = 0;
    for await (const _name of client.listIndexesNames({ abortSignal: signal })) {
      if (++count >= MAX_LISTED_INDEXES) break;
    }
    return {
      outcome: "ok",
      kind,
      host,
      message: `${count}${count >= MAX_LISTED_INDEXES ? "+" : ""} index(es)`,
    };
  } catch (thrown) {
    if (timeout.aborted && !options.signal?.aborted) {
      return { outcome: "unreachable", kind, host, message: `${host} did not answer within ${timeoutMs} ms` };
    }
    const error = normalizeSearchError(thrown, signal, apiKey, where);
    if (!(error instanceof FlowError)) throw error;
    const outcome =
      error.code === "llm.auth"
        ? "auth-failed"
        : error.code === "llm.network" || error.code === "llm.timeout"
          ? "unreachable"
          : "failed";
    const hint =
      error.status === 403
        ? " (a query key cannot list indexes: test with an admin key, or run a lookup)"
        : "";
    return {
      outcome,
      kind,
      host,
      ...(error.status === undefined ? {} : { status: error.status }),
      message: cutText(redactor.redactText(`${error.message}${hint}`), MAX_ERROR_MESSAGE_LENGTH),
    };
  }
}
