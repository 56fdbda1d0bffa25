import type { IncomingMessage, ServerResponse } from "node:http";
import { type AuthResult, authenticate, authenticateSubscriptionKey, keyLabel } from "./auth.js";
import { readChatRequest } from "./chat-request.js";
import { answerContentSafety } from "./content-safety/answer.js";
import type { ContentSafetyState } from "./content-safety/rules.js";
import { answerEmbeddings } from "./embeddings/answer-embeddings.js";
import { invalidKeyBody, missingKeyBody, resourceNotFoundBody } from "./error-bodies.js";
import { applyFault } from "./faults.js";
import { buildCompletion, buildModelInfo, defaultReply, usageFor } from "./replies.js";
import type { RequestLog } from "./request-log.js";
import { type Exchange, isClosed, sendJson, sendStream } from "./respond.js";
import { type MatchedRoute, matchRoute } from "./routes.js";
import type { RuleBook } from "./rules.js";
import { handleSearchRequest, isSearchPath } from "./search/handle-search.js";
import type { SearchService } from "./search/search-service.js";
import { handleSerpRequest } from "./serp/handle-serp-request.js";
import { buildStreamEvents } from "./sse.js";
import type { Timers } from "./timers.js";
import type { ChatRequestInfo, KeySet, Rule } from "./types.js";

/** What the request handler shares with the server that owns it. */
export interface ServerState {
  log: RequestLog;
  rules: RuleBook;
  timers: Timers;
  keys: KeySet | undefined;
  defaultDelayMs: number;
  search: SearchService;
  contentSafety: ContentSafetyState;
}

/** The `node:http` request listener of the offline server. */
export function createRequestHandler(state: ServerState) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void handleRequest(state, req, res);
  };
}

/** Logs the request, answers it, and turns a failure of the server itself (a throwing rule) into a 500. */
async function handleRequest(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://offline.invalid");
  if (isSearchPath(url.pathname)) return handleSearchRequest(state, req, res, url);
  const method = req.method ?? "GET";
  const matched = matchRoute(method, url.pathname);
  // SerpAPI sends its key in the query string: it has its own handler, which logs no URL.
  if (matched.kind === "serp") return handleSerpRequest(state, req, res, url, matched.route);
  // Azure AI services such as Content Safety take their key in one header of their own.
  const auth =
    matched.kind === "content-safety"
      ? authenticateSubscriptionKey(req.headers, state.keys)
      : authenticate(req.headers, state.keys);
  const { entry, finish } = state.log.begin({
    method,
    path: url.pathname,
    route: matched.route,
    deployment: "deployment" in matched ? matched.deployment : undefined,
    apiVersion: url.searchParams.get("api-version") ?? undefined,
    auth: auth.scheme,
    keyName: auth.keyName,
    keyFingerprint: auth.keyFingerprint,
    keyLabel: keyLabel(auth),
  });
  const closed = new AbortController();
  res.on("close", () => {
    closed.abort();
    finish();
  });
  const exchange: Exchange = { req, res, entry, timers: state.timers, closed: closed.signal };

  try {
    await answer(state, exchange, matched, auth);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    sendJson(exchange, 500, {
      error: { message: `Offline server failure: ${message}`, type: "server_error" },
    });
  }
}

/** Route, authenticate, read, apply the first matching rule, answer. */
async function answer(
  state: ServerState,
  exchange: Exchange,
  matched: Exclude<MatchedRoute, { kind: "serp" }>,
  auth: AuthResult,
) {
  const { entry } = exchange;
  if (matched.kind === "not-found") return sendJson(exchange, 404, resourceNotFoundBody());
  if (matched.kind === "content-safety") {
    const { timers, defaultDelayMs, contentSafety } = state;
    return answerContentSafety(
      { state: contentSafety, timers, defaultDelayMs, readBody },
      exchange,
      matched.route,
      auth,
    );
  }
  if (!auth.accepted) {
    return sendJson(exchange, 401, auth.failure === "missing" ? missingKeyBody() : invalidKeyBody());
  }
  if (matched.kind === "models-info") return sendJson(exchange, 200, buildModelInfo());
  if (matched.kind === "embeddings") {
    return answerEmbeddings(state, exchange, matched, auth, () => readBody(exchange.req));
  }
  // Classic Azure OpenAI answers a deployment path without api-version as an unknown resource.
  if (matched.route === "azure-deployment" && entry.apiVersion === undefined) {
    return sendJson(exchange, 404, resourceNotFoundBody());
  }

  const rawBody = await readBody(exchange.req);
  if (rawBody === undefined) return;
  const read = readChatRequest(rawBody, {
    route: matched.route,
    deployment: matched.deployment,
    apiVersion: entry.apiVersion,
    keyName: auth.keyName,
  });
  if (!read.ok) return sendJson(exchange, 400, read.error);
  const { request } = read;
  entry.stream = request.stream;
  entry.messages = request.messages.length;
  if (request.model !== undefined) entry.model = request.model;
  if (request.lastUserMessage !== undefined) entry.lastUserMessage = request.lastUserMessage;

  const rule = state.rules.take(request, auth.key);
  const completed = await state.timers.wait(rule?.delayMs ?? state.defaultDelayMs, exchange.closed);
  if (!completed || isClosed(exchange)) return;

  const reply = replyFor(rule, request);
  const chunkDelayMs = rule?.chunkDelayMs ?? 0;
  if (rule?.fault !== undefined) return applyFault(rule.fault, { exchange, request, reply, chunkDelayMs });
  // Counted when the answer starts: a client that reads it whole gets these counts.
  if (!request.stream || request.includeUsage) {
    const usage = usageFor(request, reply);
    state.log.recordUsage(exchange.entry, {
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      totalTokens: usage.total_tokens,
    });
  }
  if (request.stream) {
    return sendStream(exchange, buildStreamEvents(request, reply), { kind: "done" }, chunkDelayMs);
  }
  sendJson(exchange, 200, buildCompletion(request, reply));
}

function replyFor(rule: Rule | undefined, request: ChatRequestInfo): string {
  if (rule?.reply === undefined) return defaultReply(request);
  return typeof rule.reply === "function" ? rule.reply(request) : rule.reply;
}

/** The whole body as text, or `undefined` when the client went away before sending it. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(undefined));
    req.on("close", () => resolve(undefined));
  });
}
