import {
  cutText,
  describeJsonError,
  FlowError,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_FLOW_DEPTH,
  maskUrlCredentials,
  Redactor,
} from "@weft/engine";
import {
  createLimitedFetch,
  findResponseTooLarge,
  responseTooLargeError,
} from "../../chat-completion/response-size-limit.js";
import {
  MAX_SERVICE_TEXT_LENGTH,
  networkError,
  readRetryAfter,
  serviceError,
} from "../../service/service-errors.js";

/** SerpAPI itself, when a connection names no `baseUrl`. */
export const DEFAULT_SERP_BASE_URL = "https://serpapi.com";

/** The base URL a SerpAPI connection sends to. */
export function serpBaseUrl(connection: { baseUrl?: string | undefined }): string {
  return connection.baseUrl ?? DEFAULT_SERP_BASE_URL;
}

/** One request to SerpAPI (a search or the account), independent of who makes it. */
export interface SerpCall {
  /** The connection's base URL (`https://serpapi.com`, a proxy, a test server). */
  baseUrl: string;
  /** `/search` or `/account.json`. */
  path: string;
  /** The query parameters, in order, without the key. */
  params: ReadonlyArray<readonly [string, string]>;
  /** Sent as `api_key`, last, in the query string: SerpAPI has no header for it. */
  apiKey: string;
  /** Aborts at the request's deadline, and when the run ends. */
  signal: AbortSignal;
  /** Most bytes read from the response, success or error body. */
  maxResponseBytes: number;
  nodeId: string;
}

/** What a successful call gives: the HTTP status and the parsed JSON object. */
export interface SerpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Sends one GET to SerpAPI with Node's `fetch` (the `serpapi` client cannot be pointed at another
 * host) and gives its JSON, or throws a `FlowError`. The key travels in the URL, so no URL, error
 * text or body the service sends back reaches a message before the key is masked in it; redirects
 * are not followed, since following one would send the key on to wherever it points.
 */
export async function callSerpApi(call: SerpCall): Promise<SerpAnswer> {
  const host = hostOf(call.baseUrl);
  const where = { nodeId: call.nodeId, host };
  const scrub = scrubberFor(call.apiKey);
  const url = new URL(`${call.baseUrl.replace(/\/+$/, "")}${call.path}`);
  for (const [name, value] of call.params) url.searchParams.append(name, value);
  url.searchParams.append("api_key", call.apiKey);

  let response: Response;
  let text: string;
  try {
    response = await createLimitedFetch(call.maxResponseBytes)(url, {
      signal: call.signal,
      redirect: "manual",
      headers: { accept: "application/json" },
    });
    text = await response.text();
  } catch (error) {
    throw transportError(error, call, where, scrub);
  }
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get("location");
    throw new FlowError(
      "llm.request",
      `${host} answered ${response.status}, a redirect${location ? ` to ${JSON.stringify(cutText(scrub(location), 200))}` : ""}: not followed, since the key travels in the URL (point baseUrl at the final address)`,
      { ...where, status: response.status },
    );
  }
  if (!response.ok) {
    const retryAfterMs = readRetryAfter((name) => response.headers.get(name));
    throw serviceError(
      {
        status: response.status,
        message: scrub(errorText(text) ?? "(no details)").slice(0, MAX_SERVICE_TEXT_LENGTH),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
      where,
    );
  }
  return { status: response.status, body: parseBody(text, where) };
}

/** SerpAPI's `{"error": "…"}`, else the body's text. */
function errorText(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown } | null;
    if (typeof body?.error === "string") return body.error;
  } catch {}
  return text.trim() === "" ? undefined : text.trim();
}

/** A 200 body as a JSON object, nested no deeper than a flow may be. */
function parseBody(text: string, where: { nodeId: string; host: string }): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    // A body cut short is a transport failure worth another attempt; text that never was JSON is not.
    const cut = /^\s*[{[]/.test(text);
    throw new FlowError(
      "llm.response",
      `${where.host} answered 200 with ${cut ? `malformed JSON (${describeJsonError((error as Error).message)})` : `text of ${text.length} characters`}, not SerpAPI's JSON`,
      { nodeId: where.nodeId, retryable: cut },
    );
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new FlowError("llm.response", `${where.host} answered 200 with JSON that is not an object`, {
      nodeId: where.nodeId,
    });
  }
  if (depthOf(body, 0) > MAX_FLOW_DEPTH) {
    throw new FlowError(
      "llm.response",
      `${where.host} answered 200 with JSON nested deeper than ${MAX_FLOW_DEPTH} levels`,
      { nodeId: where.nodeId },
    );
  }
  return body as Record<string, unknown>;
}

/** Nesting depth of a parsed JSON value, counted up to just past `MAX_FLOW_DEPTH`. */
function depthOf(value: unknown, depth: number): number {
  if (value === null || typeof value !== "object" || depth > MAX_FLOW_DEPTH) return depth;
  let deepest = depth + 1;
  for (const item of Object.values(value)) deepest = Math.max(deepest, depthOf(item, depth + 1));
  return deepest;
}

/** A failure before the whole answer was read: cancelled, too large, or the network. */
function transportError(
  error: unknown,
  call: SerpCall,
  where: { nodeId: string; host: string },
  scrub: (text: string) => string,
): unknown {
  if (call.signal.aborted) return call.signal.reason ?? error;
  const tooLarge = findResponseTooLarge(error);
  if (tooLarge) return responseTooLargeError(tooLarge, where);
  // undici: `TypeError: fetch failed` (or `terminated`, cut mid-body), the socket error as cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail =
    typeof cause?.code === "string"
      ? cause.code
      : typeof cause?.message === "string"
        ? cause.message
        : error instanceof Error
          ? error.message
          : String(error);
  return networkError(cutText(scrub(detail), MAX_ERROR_MESSAGE_LENGTH), where);
}

/** Masks the key (as written or encoded) and every URL credential in a text. */
function scrubberFor(apiKey: string): (text: string) => string {
  const redactor = new Redactor();
  redactor.add(apiKey);
  return (text) => maskUrlCredentials(redactor.redactText(text));
}

/** The host of a base URL, for messages and results; never a key. */
export function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return "unknown";
  }
}
