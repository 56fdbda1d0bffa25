import type { SearchOptions } from "@azure/search-documents";
import { describeJsonError, FlowError } from "@weft/engine";
import { findResponseTooLarge, responseTooLargeError } from "../chat-completion/response-size-limit.js";
import { cutServiceText, networkError, serviceError } from "../service/service-errors.js";
import { SearchAnswerError } from "./search-answer-error.js";
import { type SearchTarget, searchClientFor } from "./search-client.js";

/** One search, independent of the SDK that sends it. */
export interface SearchCall {
  index: string;
  /** The search text; absent for a pure vector query. */
  searchText?: string;
  /** Full-text `simple` or `semantic` ranking. */
  ranking: "simple" | "semantic";
  semanticConfiguration?: string;
  vector?: { values: number[]; fields: string[] };
  top: number;
  select?: string[];
  filter?: string;
  /** Aborts at the request's deadline, and when the run ends. */
  signal: AbortSignal;
  nodeId: string;
}

/** One hit, as plain data (never the SDK's objects). */
export interface SearchHit {
  score: number;
  rerankerScore?: number;
  document: Record<string, unknown>;
}

/**
 * Runs one search with `SearchClient.search` and keeps the first `top` hits. The SDK's errors
 * hold the request (and its key): they are read for status, code, message and retry hints, and
 * replaced by `FlowError`s.
 */
export async function callSearch(target: SearchTarget, call: SearchCall): Promise<SearchHit[]> {
  const where = { nodeId: call.nodeId, host: target.endpoint.host };
  try {
    const client = await searchClientFor(target, call.index);
    const options: SearchOptions<Record<string, unknown>> = {
      abortSignal: call.signal,
      top: call.top,
      ...(call.select ? { select: call.select as never } : {}),
      ...(call.filter ? { filter: call.filter } : {}),
      ...(call.ranking === "semantic"
        ? {
            queryType: "semantic" as const,
            semanticSearchOptions: { configurationName: call.semanticConfiguration as string },
          }
        : {}),
      ...(call.vector
        ? {
            vectorSearchOptions: {
              queries: [
                {
                  kind: "vector" as const,
                  vector: call.vector.values,
                  fields: call.vector.fields as never,
                  kNearestNeighborsCount: call.top,
                },
              ],
            },
          }
        : {}),
    } as SearchOptions<Record<string, unknown>>;
    const response = await client.search(call.searchText, options);
    const hits: SearchHit[] = [];
    // The first page holds `top` hits; stopping there never asks for another page.
    for await (const result of response.results) {
      hits.push(readHit(result, where));
      if (hits.length >= call.top) break;
    }
    return hits;
  } catch (error) {
    throw normalizeSearchError(error, call.signal, target.apiKey, where);
  }
}

function readHit(
  result: { score?: unknown; rerankerScore?: unknown; document?: unknown },
  where: { nodeId: string; host: string },
): SearchHit {
  if (typeof result.score !== "number" || result.document === null || typeof result.document !== "object") {
    throw new FlowError("llm.response", `${where.host} answered 200 with a result that is not a search hit`, {
      nodeId: where.nodeId,
    });
  }
  return {
    score: result.score,
    ...(typeof result.rerankerScore === "number" ? { rerankerScore: result.rerankerScore } : {}),
    document: toPlain(result.document, 0) as Record<string, unknown>,
  };
}

/** Deeper than this, a document's values are not converted back (they stay as the SDK made them). */
const MAX_DOCUMENT_DEPTH = 64;

/**
 * Undoes the SDK's conversions, so that a document is the JSON the service sent: `Date`s back to
 * ISO text, geography points to GeoJSON, `NaN`/`±Infinity` to the service's `"NaN"`/`"INF"`/`"-INF"`.
 * Field names are defined, never assigned, so a field called `__proto__` stays a field.
 */
function toPlain(value: unknown, depth: number): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "INF" : "-INF";
  }
  if (value === null || typeof value !== "object" || depth > MAX_DOCUMENT_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => toPlain(item, depth + 1));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return toJSON.call(value);
  const plain: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    // The SDK leaves the service's annotations (`@search.score`, …) among the fields.
    if (depth === 0 && key.startsWith("@")) continue;
    Object.defineProperty(plain, key, {
      value: toPlain(field, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return plain;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
}

/** A service's error status as a `FlowError`: retryable for 408/429/5xx, its text scrubbed and cut. */
function answerError(
  error: SearchAnswerError,
  apiKey: string,
  where: { nodeId: string; host: string },
): FlowError {
  const { status } = error;
  const fallback = status === 401 || status === 403 ? "access denied" : "no error message";
  const message = cutServiceText(error.serviceMessage ?? fallback, apiKey);
  if (status === 404) {
    return new FlowError(
      "llm.request",
      `${where.host} answered 404: ${message} (check the index name and the connection's endpoint)`,
      { nodeId: where.nodeId, status },
    );
  }
  return serviceError(
    {
      status,
      ...(error.code ? { code: error.code } : {}),
      message,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    },
    where,
  );
}

/** Turns what the SDK threw into a `FlowError` without the key (or the request that holds it). */
export function normalizeSearchError(
  error: unknown,
  signal: AbortSignal,
  apiKey: string,
  where: { nodeId: string; host: string },
): unknown {
  if (error instanceof FlowError) return error;
  if (signal.aborted) return signal.reason ?? error;
  const tooLarge = findResponseTooLarge(error);
  if (tooLarge) return responseTooLargeError(tooLarge, where);
  const { name, code, message } = (error ?? {}) as SdkError;
  if (name === "AbortError") {
    return new FlowError("llm.timeout", `${where.host} did not answer in time`, {
      nodeId: where.nodeId,
      retryable: true,
    });
  }
  if (name === "RestError" && code === "PARSE_ERROR") {
    const why = /^Error "(?:SyntaxError: )?(.*?)" occurred while parsing the response body/s.exec(
      message ?? "",
    );
    return new FlowError(
      "llm.response",
      `${where.host} sent a malformed response: ${describeJsonError(why?.[1] ?? "")}`,
      { nodeId: where.nodeId, retryable: true },
    );
  }
  if (error instanceof SearchAnswerError) return answerError(error, apiKey, where);
  if (typeof code === "string" && /^(E[A-Z]+|UND_ERR.*)$/.test(code)) return networkError(code, where);
  if (name === "RestError") return networkError(cutServiceText(message ?? "request failed", apiKey), where);
  // The SDK reads a 200 whose body is not search results (`null`, no `value`) into a TypeError.
  if (error instanceof TypeError) {
    return new FlowError(
      "llm.response",
      `${where.host} answered 200 with a body that is not search results (a JSON object with "value")`,
      { nodeId: where.nodeId },
    );
  }
  return new FlowError("llm.error", cutServiceText(message ?? String(error), apiKey), {
    nodeId: where.nodeId,
  });
}
