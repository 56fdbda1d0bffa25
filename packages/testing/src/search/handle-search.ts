import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, keyLabel } from "../auth.js";
import type { RequestLog } from "../request-log.js";
import { type Exchange, isClosed, sendJson, sendRaw } from "../respond.js";
import type { Timers } from "../timers.js";
import type { KeySet } from "../types.js";
import { applySearchFault } from "./search-faults.js";
import { readSearchRequest, searchErrorBody } from "./search-request.js";
import type { SearchService } from "./search-service.js";
import type { SearchHit, SearchRequestInfo } from "./types.js";

/** What the search handler shares with the server that owns it (part of the server's state). */
export interface SearchState {
  log: RequestLog;
  timers: Timers;
  keys: KeySet | undefined;
  defaultDelayMs: number;
  search: SearchService;
}

/** The service name in the offline service's messages (`… for service 'offline' …`). */
const SERVICE_NAME = "offline";

type SearchRoute = { kind: "search"; index: string } | { kind: "list-indexes" } | { kind: "not-found" };

const searchPath = /^\/indexes(?:\('((?:[^']|'')*)'\)|\/([^/]+))\/docs\/search(?:\.post\.search)?$/;

/** Whether a path belongs to the search service: `/indexes` and everything under it. */
export function isSearchPath(path: string): boolean {
  return path === "/indexes" || path.startsWith("/indexes(") || path.startsWith("/indexes/");
}

function matchSearchRoute(method: string, path: string): SearchRoute {
  if (path === "/indexes" && method === "GET") return { kind: "list-indexes" };
  const match = method === "POST" ? searchPath.exec(path) : null;
  if (!match) return { kind: "not-found" };
  const raw = match[1] !== undefined ? match[1].replaceAll("''", "'") : (match[2] ?? "");
  return { kind: "search", index: decode(raw) };
}

/** Answers one Azure AI Search request: logs it, checks the `api-key`, searches or fails as told. */
export async function handleSearchRequest(
  state: SearchState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? "GET";
  const route = matchSearchRoute(method, url.pathname);
  // The service reads `api-key` only; a bearer token alone counts as no key.
  const auth = authenticate({ "api-key": req.headers["api-key"] }, state.keys);
  const { entry, finish } = state.log.begin({
    method,
    path: url.pathname,
    route: route.kind === "list-indexes" ? "search-indexes" : "search",
    apiVersion: url.searchParams.get("api-version") ?? undefined,
    auth: auth.scheme,
    keyName: auth.keyName,
    keyFingerprint: auth.keyFingerprint,
    keyLabel: keyLabel(auth),
  });
  if (route.kind === "search") entry.index = route.index;
  const closed = new AbortController();
  res.on("close", () => {
    closed.abort();
    finish();
  });
  const exchange: Exchange = { req, res, entry, timers: state.timers, closed: closed.signal };
  try {
    await answer(state, exchange, route, auth);
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    const message = error instanceof Error ? error.message : String(error);
    sendJson(exchange, 500, searchErrorBody(`Offline server failure: ${message}`));
  }
}

async function answer(
  state: SearchState,
  exchange: Exchange,
  route: SearchRoute,
  auth: ReturnType<typeof authenticate>,
): Promise<void> {
  const { entry } = exchange;
  if (route.kind === "not-found") {
    return sendJson(
      exchange,
      404,
      searchErrorBody(`No HTTP resource was found that matches the request URI '${entry.path}'.`),
    );
  }
  // No key: 401; a key the service does not know: 403 with an empty body.
  if (!auth.accepted) return sendRaw(exchange, auth.failure === "missing" ? 401 : 403, "");
  if (entry.apiVersion === undefined) {
    return sendJson(exchange, 400, searchErrorBody("Invalid or missing api-version query string parameter."));
  }
  if (route.kind === "list-indexes") {
    return sendJson(exchange, 200, { value: state.search.indexNames().map((name) => ({ name })) });
  }
  const definition = state.search.index(route.index);
  if (!definition) {
    return sendJson(
      exchange,
      404,
      searchErrorBody(`The index '${route.index}' for service '${SERVICE_NAME}' was not found.`),
    );
  }
  const text = await readBody(exchange.req);
  if (text === undefined) return;
  const read = readSearchRequest(
    text,
    { name: route.index, definition },
    {
      ...(entry.apiVersion === undefined ? {} : { apiVersion: entry.apiVersion }),
      ...(auth.keyName === undefined ? {} : { keyName: auth.keyName }),
    },
  );
  if (!read.ok) return sendJson(exchange, 400, searchErrorBody(read.message));
  const { request } = read;
  if (request.search !== undefined) entry.search = request.search;
  entry.queryType =
    request.vectorQueries.length > 0 ? (request.search ? "hybrid" : "vector") : request.queryType;
  if (request.queryType === "semantic") entry.queryType = "semantic";

  const rule = state.search.takeRule(request, auth.key);
  const completed = await state.timers.wait(rule?.delayMs ?? state.defaultDelayMs, exchange.closed);
  if (!completed || isClosed(exchange)) return;

  const outcome =
    rule?.results !== undefined
      ? { ok: true as const, hits: scripted(rule.results, request) }
      : state.search.search(definition, request);
  if (!outcome.ok) return sendJson(exchange, 400, searchErrorBody(outcome.message));
  const body = { value: outcome.hits.map(toWire) };
  if (rule?.fault !== undefined) return applySearchFault(rule.fault, exchange, body);
  sendJson(exchange, 200, body, {
    "content-type": "application/json; odata.metadata=none; odata.streaming=true; charset=utf-8",
  });
}

function scripted(
  results: NonNullable<import("./types.js").SearchRule["results"]>,
  request: SearchRequestInfo,
): SearchHit[] {
  return typeof results === "function" ? results(request) : results;
}

/** A hit as the service sends it: the `@search.*` annotations first, then the document's fields. */
function toWire(hit: SearchHit): Record<string, unknown> {
  const wire: Record<string, unknown> = { "@search.score": hit.score };
  if (hit.rerankerScore !== undefined) wire["@search.rerankerScore"] = hit.rerankerScore;
  for (const [name, value] of Object.entries(hit.document)) {
    Object.defineProperty(wire, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return wire;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
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
