import type { ContentSafetyClient } from "@azure-rest/ai-content-safety";
import { FlowError } from "@weft/engine";
import { ClientCache } from "../../chat-completion/chat-call.js";
import { createResponseSizePolicy } from "../../chat-completion/response-size-limit.js";
import { normalizeModelClientError } from "../../llm/model-client.js";
import { readErrorBody, readRetryAfter, serviceError } from "../../service/service-errors.js";
import type { ContentSafetyEndpoint } from "./endpoint.js";

type Sdk = {
  client: typeof import("@azure-rest/ai-content-safety");
  auth: typeof import("@azure/core-auth");
};
let sdk: Promise<Sdk> | undefined;
/** Loaded on first use, so `weft run` of a flow without Content Safety nodes starts fast. */
const loadSdk = () => {
  sdk ??= Promise.all([import("@azure-rest/ai-content-safety"), import("@azure/core-auth")]).then(
    ([client, auth]) => ({ client, auth }),
  );
  return sdk;
};

const clients = new ClientCache<ContentSafetyClient>();

/** One request to a Content Safety resource: where, with which key, until when. */
export interface ContentSafetyCall {
  endpoint: ContentSafetyEndpoint;
  apiVersion: string;
  /** The key in clear: it goes into the client and nowhere else. */
  apiKey: string;
  /** Aborts the request (the node's deadline, the run's cancellation). */
  signal: AbortSignal;
  /** The client's own timeout, in ms, when the caller has no deadline in `signal`. */
  timeoutMs?: number;
  maxResponseBytes: number;
  nodeId: string;
}

/** The body of a `text:analyze` request, as the client sends it. */
export interface AnalyzeTextBody {
  text: string;
  categories: string[];
  blocklistNames?: string[];
  outputType: "FourSeverityLevels";
}

/** What is kept of a `text:analyze` answer: plain data, never the SDK's response (it holds the key). */
export interface AnalyzeTextAnswer {
  categoriesAnalysis: Array<{ category: string; severity: number }>;
  blocklistsMatch: Array<{ blocklistName: string; blocklistItemId: string; blocklistItemText: string }>;
}

/** Sends `POST /contentsafety/text:analyze` with `ContentSafetyClient`, SDK retries off. */
export async function analyzeText(
  call: ContentSafetyCall,
  body: AnalyzeTextBody,
): Promise<AnalyzeTextAnswer> {
  const where = { nodeId: call.nodeId, host: call.endpoint.host };
  try {
    const client = await clientFor(call);
    const response = await client.path("/text:analyze").post({ body, ...requestOptions(call) });
    const status = Number(response.status);
    const headers = response.headers as Record<string, string | undefined>;
    if (status !== 200) throw failedAnswer(status, response.body, headers, call);
    return readAnalysis(response.body, where);
  } catch (error) {
    throw normalizeError(error, call, where);
  }
}

/**
 * Sends `GET /contentsafety/text/blocklists`: an authenticated call that analyses no text, so it
 * costs nothing. Returns how many blocklists the resource has.
 */
export async function listBlocklists(call: ContentSafetyCall): Promise<number> {
  const where = { nodeId: call.nodeId, host: call.endpoint.host };
  try {
    const client = await clientFor(call);
    const response = await client.path("/text/blocklists").get(requestOptions(call));
    const status = Number(response.status);
    const headers = response.headers as Record<string, string | undefined>;
    if (status !== 200) throw failedAnswer(status, response.body, headers, call);
    const value = (response.body as { value?: unknown } | undefined)?.value;
    return Array.isArray(value) ? value.length : 0;
  } catch (error) {
    throw normalizeError(error, call, where);
  }
}

async function clientFor(call: ContentSafetyCall): Promise<ContentSafetyClient> {
  const azure = await loadSdk();
  const { endpoint } = call;
  // The key is part of the identity (clients hold it anyway); the cache never leaves this module.
  const key = `${endpoint.url}\0${call.apiVersion}\0${endpoint.insecure}\0${call.maxResponseBytes}\0${call.apiKey}`;
  return clients.get(key, () =>
    azure.client.default(endpoint.url, new azure.auth.AzureKeyCredential(call.apiKey), {
      apiVersion: call.apiVersion,
      retryOptions: { maxRetries: 0 },
      allowInsecureConnection: endpoint.insecure,
      additionalPolicies: [
        { policy: createResponseSizePolicy(call.maxResponseBytes) as never, position: "perRetry" },
      ],
    }),
  );
}

function requestOptions(call: ContentSafetyCall): { abortSignal: AbortSignal; timeout?: number } {
  return { abortSignal: call.signal, ...(call.timeoutMs === undefined ? {} : { timeout: call.timeoutMs }) };
}

function failedAnswer(
  status: number,
  body: unknown,
  headers: Record<string, string | undefined>,
  call: ContentSafetyCall,
): FlowError {
  const retryAfterMs = readRetryAfter((name) => headers[name]);
  const { code, message } = readErrorBody(body, call.apiKey);
  return serviceError(
    {
      status,
      ...(code ? { code } : {}),
      message: message ?? "no error message",
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
    { nodeId: call.nodeId, host: call.endpoint.host },
  );
}

/** Checks the answer's shape: a hostile or misconfigured endpoint can send anything. */
function readAnalysis(body: unknown, where: { nodeId: string; host: string }): AnalyzeTextAnswer {
  const answer = body as { categoriesAnalysis?: unknown; blocklistsMatch?: unknown } | null;
  const categories = answer?.categoriesAnalysis;
  const matches = answer?.blocklistsMatch ?? [];
  if (
    typeof answer !== "object" ||
    answer === null ||
    !Array.isArray(categories) ||
    !categories.every(isCategoryAnalysis) ||
    !Array.isArray(matches) ||
    !matches.every(isBlocklistMatch)
  ) {
    throw new FlowError(
      "llm.response",
      `${where.host} answered 200 with something other than a text analysis ({ categoriesAnalysis: [{ category, severity }], blocklistsMatch? })`,
      { nodeId: where.nodeId },
    );
  }
  return {
    categoriesAnalysis: categories.map(({ category, severity }) => ({ category, severity })),
    blocklistsMatch: matches.map(({ blocklistName, blocklistItemId, blocklistItemText }) => ({
      blocklistName,
      blocklistItemId,
      blocklistItemText,
    })),
  };
}

function isCategoryAnalysis(value: unknown): value is { category: string; severity: number } {
  const item = value as { category?: unknown; severity?: unknown } | null;
  return (
    typeof item?.category === "string" && typeof item.severity === "number" && Number.isFinite(item.severity)
  );
}

function isBlocklistMatch(
  value: unknown,
): value is { blocklistName: string; blocklistItemId: string; blocklistItemText: string } {
  const item = value as Record<string, unknown> | null;
  return (
    typeof item?.blocklistName === "string" &&
    typeof item.blocklistItemId === "string" &&
    typeof item.blocklistItemText === "string"
  );
}

/** `RestError`s hold the request (and its key) in a hidden property: keep only plain fields. */
function normalizeError(
  error: unknown,
  call: ContentSafetyCall,
  where: { nodeId: string; host: string },
): unknown {
  // The same Azure core pipeline as ModelClient's: its errors read the same way.
  return normalizeModelClientError(error, {
    ...where,
    signal: call.signal,
    ...(call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs }),
  });
}
