import type { IncomingMessage, ServerResponse } from "node:http";
import { type AuthResult, checkKey, keyLabel } from "../auth.js";
import type { RequestLog } from "../request-log.js";
import { type Exchange, isClosed, sendJson } from "../respond.js";
import { type RuleBook, textMatches } from "../rules.js";
import type { Timers } from "../timers.js";
import type { KeySet, Rule } from "../types.js";
import { applySerpFault } from "./serp-faults.js";
import {
  buildAccountResponse,
  buildSearchResponse,
  defaultOrganicResults,
  MAX_SERP_RESULTS,
  numberResults,
  SERP_ENGINES,
  serpErrorBody,
  serpErrors,
} from "./serp-results.js";
import type { SerpRoute, SerpSearchInfo } from "./serp-types.js";

/** What the SerpAPI handler shares with the server that owns it. */
export interface SerpServerState {
  log: RequestLog;
  rules: RuleBook;
  timers: Timers;
  keys: KeySet | undefined;
  defaultDelayMs: number;
}

/**
 * Answers a SerpAPI request. The key travels in the query string (`api_key`): it is checked and
 * fingerprinted here, and the log keeps the path without the query, never the URL.
 */
export async function handleSerpRequest(
  state: SerpServerState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  route: SerpRoute,
): Promise<void> {
  const key = url.searchParams.get("api_key")?.trim() || undefined;
  const auth = checkKey(key === undefined ? "none" : "query", key, state.keys);
  const { entry, finish } = state.log.begin({
    method: req.method ?? "GET",
    path: url.pathname,
    route,
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
    await answer(state, exchange, url.searchParams, route, auth);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    sendJson(exchange, 500, serpErrorBody(`Offline server failure: ${message}`));
  }
}

async function answer(
  state: SerpServerState,
  exchange: Exchange,
  params: URLSearchParams,
  route: SerpRoute,
  auth: AuthResult,
): Promise<void> {
  if (!auth.accepted) {
    return sendJson(
      exchange,
      401,
      serpErrorBody(auth.failure === "missing" ? serpErrors.missingKey : serpErrors.invalidKey),
    );
  }
  if (route === "serp-account") {
    // Only rules that name the route apply to the account: a search's rules are not spent on it.
    const rule = state.rules.takeWhere((candidate) => candidate.match?.route === "serp-account");
    const completed = await state.timers.wait(rule?.delayMs ?? state.defaultDelayMs, exchange.closed);
    if (!completed || isClosed(exchange)) return;
    const searches = state.log.entries.filter(
      (entry) =>
        entry.route === "serp-search" && entry.status === 200 && entry.keyFingerprint === auth.keyFingerprint,
    ).length;
    const account = buildAccountResponse(auth.key ?? "", searches);
    if (rule?.fault !== undefined) return applySerpFault(rule.fault, exchange, account);
    return sendJson(exchange, 200, account);
  }
  const read = readSearch(params, auth.keyName);
  if (typeof read === "string") return sendJson(exchange, 400, serpErrorBody(read));
  exchange.entry.serp = read;

  const rule = state.rules.takeWhere((candidate) => ruleApplies(candidate, read, auth.key));
  const completed = await state.timers.wait(rule?.delayMs ?? state.defaultDelayMs, exchange.closed);
  if (!completed || isClosed(exchange)) return;

  const scripted = typeof rule?.results === "function" ? rule.results(read) : rule?.results;
  const organic = scripted === undefined ? defaultOrganicResults(read) : numberResults(scripted);
  const response = buildSearchResponse(read, organic);
  if (rule?.fault !== undefined) return applySerpFault(rule.fault, exchange, response);
  sendJson(exchange, 200, response);
}

/** The search a query string asks for, or SerpAPI's error text for one it cannot run. */
function readSearch(params: URLSearchParams, keyName: string | undefined): SerpSearchInfo | string {
  const engine = params.get("engine") ?? "google";
  if (!(SERP_ENGINES as readonly string[]).includes(engine))
    return `Unsupported \`${engine}\` search engine.`;
  const query = params.get("q");
  if (query === null || query.trim() === "") return serpErrors.missingQuery;
  const numText = engine === "bing" ? (params.get("count") ?? params.get("num")) : params.get("num");
  let num: number | undefined;
  if (numText !== null) {
    num = Number(numText);
    if (!Number.isInteger(num) || num < 1 || num > MAX_SERP_RESULTS) {
      return `Invalid \`${engine === "bing" ? "count" : "num"}\` parameter: expected 1 to ${MAX_SERP_RESULTS}.`;
    }
  }
  const location = params.get("location") ?? undefined;
  const safe = (engine === "bing" ? params.get("safeSearch") : params.get("safe")) ?? undefined;
  return {
    engine,
    query,
    ...(num === undefined ? {} : { num }),
    ...(location === undefined ? {} : { location }),
    ...(safe === undefined ? {} : { safe }),
    ...(keyName === undefined ? {} : { keyName }),
  };
}

/** Whether a rule applies to a search: no chat-only answer or condition, and every condition holds. */
function ruleApplies(rule: Rule, search: SerpSearchInfo, key: string | undefined): boolean {
  if (rule.reply !== undefined || rule.embeddings !== undefined) return false;
  const match = rule.match;
  if (match === undefined) return true;
  if (match.operation !== undefined || match.input !== undefined) return false;
  if (match.route !== undefined && match.route !== "serp-search") return false;
  if (match.model !== undefined || match.deployment !== undefined || match.lastUserMessage !== undefined) {
    return false;
  }
  if (match.query !== undefined && !textMatches(match.query, search.query)) return false;
  if (match.engine !== undefined && !textMatches(match.engine, search.engine)) return false;
  if (match.key !== undefined && match.key !== search.keyName && match.key !== key) return false;
  return true;
}
