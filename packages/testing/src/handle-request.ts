import type { IncomingMessage, ServerResponse } from "node:http";
import { type AuthResult, authenticate, keyLabel } from "./auth.js";
import { readChatRequest } from "./chat-request.js";
import { invalidKeyBody, missingKeyBody, resourceNotFoundBody } from "./error-bodies.js";
import { applyFault } from "./faults.js";
import { buildCompletion, buildModelInfo, defaultReply, usageFor } from "./replies.js";
import type { RequestLog } from "./request-log.js";
import { type Exchange, isClosed, sendJson, sendStream } from "./respond.js";
import { type MatchedRoute, matchRoute } from "./routes.js";
import type { RuleBook } from "./rules.js";
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
  const method = req.method ?? "GET";
  const matched = matchRoute(method, url.pathname);
  const auth = authenticate(req.headers, state.keys);
  const { entry, finish } = state.log.begin({
    method,
    path: url.pathname,
    route: matched.route,
    deployment: matched.kind === "chat" ? matched.deployment : undefined,
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
async function answer(state: ServerState, exchange: Exchange, matched: MatchedRoute, auth: AuthResult) {
  const { entry } = exchange;
  if (matched.kind === "not-found") return sendJson(exchange, 404, resourceNotFoundBody());
  if (!auth.accepted) {
    return sendJson(exchange, 401, auth.failure === "missing" ? missingKeyBody() : invalidKeyBody());
  }
  if (matched.kind === "models-info") return sendJson(exchange, 200, buildModelInfo());
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
