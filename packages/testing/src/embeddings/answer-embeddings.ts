import type { AuthResult } from "../auth.js";
import { resourceNotFoundBody } from "../error-bodies.js";
import { type Exchange, isClosed, sendJson } from "../respond.js";
import type { RuleBook } from "../rules.js";
import type { Timers } from "../timers.js";
import type { EmbeddingsRequestInfo, Rule } from "../types.js";
import { applyEmbeddingsFault } from "./embeddings-faults.js";
import { readEmbeddingsRequest } from "./embeddings-request.js";
import type { EmbeddingsMatch } from "./embeddings-routes.js";
import { buildEmbeddingsBody, offlineEmbedding } from "./vectors.js";

/** What answering an embeddings request needs of the server. */
export interface EmbeddingsServerState {
  rules: RuleBook;
  timers: Timers;
  defaultDelayMs: number;
}

/**
 * Answers an authenticated embeddings request: reads it, applies the first matching rule (vectors,
 * a fault, a delay), and sends one vector per input, derived from its text unless a rule gives them.
 */
export async function answerEmbeddings(
  state: EmbeddingsServerState,
  exchange: Exchange,
  matched: EmbeddingsMatch,
  auth: AuthResult,
  readBody: () => Promise<string | undefined>,
): Promise<void> {
  const { entry } = exchange;
  // Classic Azure OpenAI answers a deployment path without api-version as an unknown resource.
  if (matched.wire === "azure-deployment" && entry.apiVersion === undefined) {
    return sendJson(exchange, 404, resourceNotFoundBody());
  }
  const rawBody = await readBody();
  if (rawBody === undefined) return;
  const read = readEmbeddingsRequest(rawBody, {
    route: matched.route,
    wire: matched.wire,
    ...(matched.deployment === undefined ? {} : { deployment: matched.deployment }),
    ...(entry.apiVersion === undefined ? {} : { apiVersion: entry.apiVersion }),
    ...(auth.keyName === undefined ? {} : { keyName: auth.keyName }),
  });
  if (!read.ok) return sendJson(exchange, 400, read.error);
  const { request } = read;
  entry.inputs = request.input.length;
  if (request.model !== undefined) entry.model = request.model;

  const rule = state.rules.take(request, auth.key);
  const completed = await state.timers.wait(rule?.delayMs ?? state.defaultDelayMs, exchange.closed);
  if (!completed || isClosed(exchange)) return;

  const body = buildEmbeddingsBody(request, vectorsFor(rule, request));
  if (rule?.fault !== undefined) return applyEmbeddingsFault(rule.fault, exchange, request, body);
  sendJson(exchange, 200, body);
}

function vectorsFor(rule: Rule | undefined, request: EmbeddingsRequestInfo): number[][] {
  const scripted = rule?.embeddings;
  if (scripted === undefined) return request.input.map((text) => offlineEmbedding(text, request.dimensions));
  return typeof scripted === "function" ? scripted(request) : scripted;
}
