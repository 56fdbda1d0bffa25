import type { IncomingMessage } from "node:http";
import type { AuthResult } from "../auth.js";
import { invalidKeyBody, missingKeyBody, resourceNotFoundBody } from "../error-bodies.js";
import {
  type Exchange,
  HUGE_ERROR_FRAME,
  isClosed,
  sendFramedHugeBody,
  sendJson,
  sendRaw,
} from "../respond.js";
import type { Timers } from "../timers.js";
import { analyzeText } from "./analyze.js";
import { contentSafetyError, contentSafetyStatusBody } from "./error-bodies.js";
import { readAnalyzeRequest } from "./read-request.js";
import type { ContentSafetyState } from "./rules.js";
import type {
  ContentSafetyAnalysis,
  ContentSafetyRequestInfo,
  ContentSafetyRoute,
  ContentSafetyRule,
} from "./types.js";

/** What answering a Content Safety request needs from the server. */
export interface ContentSafetyContext {
  state: ContentSafetyState;
  timers: Timers;
  defaultDelayMs: number;
  /** The request body, or `undefined` when the client went away before sending it. */
  readBody(req: IncomingMessage): Promise<string | undefined>;
}

/**
 * Answers `POST /contentsafety/text:analyze` and `GET /contentsafety/text/blocklists` as the
 * service does: its key header, its api-version, its error bodies, its analysis shape.
 */
export async function answerContentSafety(
  context: ContentSafetyContext,
  exchange: Exchange,
  route: ContentSafetyRoute,
  auth: AuthResult,
): Promise<void> {
  const { entry } = exchange;
  if (!auth.accepted) {
    return sendJson(exchange, 401, auth.failure === "missing" ? missingKeyBody() : invalidKeyBody());
  }
  const apiVersion = entry.apiVersion;
  if (apiVersion === undefined) return sendJson(exchange, 404, resourceNotFoundBody());
  if (route === "content-safety-blocklists") {
    const value = [...context.state.blocklists.keys()].map((blocklistName) => ({
      blocklistName,
      description: "",
    }));
    return sendJson(exchange, 200, { value });
  }

  const rawBody = await context.readBody(exchange.req);
  if (rawBody === undefined) return;
  const read = readAnalyzeRequest(rawBody, { apiVersion, keyName: auth.keyName });
  if (!read.ok) return sendJson(exchange, 400, read.error);
  const { request } = read;
  entry.contentSafety = {
    text: request.text,
    categories: request.categories,
    blocklistNames: request.blocklistNames,
    outputType: request.outputType,
  };
  const unknown = request.blocklistNames.find((name) => !context.state.blocklists.has(name));
  if (unknown !== undefined) {
    return sendJson(
      exchange,
      404,
      contentSafetyError("ResourceNotFound", `Blocklist ${JSON.stringify(unknown)} was not found.`),
    );
  }

  const rule = context.state.take(request, auth.key);
  const completed = await context.timers.wait(rule?.delayMs ?? context.defaultDelayMs, exchange.closed);
  if (!completed || isClosed(exchange)) return;
  const analysis = analysisFor(rule, request, context.state);
  if (rule?.fault !== undefined) return applyContentSafetyFault(rule.fault, exchange, analysis);
  sendJson(exchange, 200, analysis);
}

function analysisFor(
  rule: ContentSafetyRule | undefined,
  request: ContentSafetyRequestInfo,
  state: ContentSafetyState,
): ContentSafetyAnalysis {
  if (rule?.analysis === undefined) return analyzeText(request, state.blocklists);
  return typeof rule.analysis === "function" ? rule.analysis(request) : rule.analysis;
}

/** The frame of a huge analysis: the filler is the text of one blocklist match. */
const HUGE_ANALYSIS_FRAME = [
  '{"blocklistsMatch":[{"blocklistName":"huge","blocklistItemId":"00000000-0000-0000-0000-000000000000","blocklistItemText":"',
  '"}],"categoriesAnalysis":[]}',
] as const;

/** Fails a Content Safety request the way `fault` says. */
async function applyContentSafetyFault(
  fault: NonNullable<ContentSafetyRule["fault"]>,
  exchange: Exchange,
  analysis: ContentSafetyAnalysis,
): Promise<void> {
  exchange.entry.fault = fault.type;
  switch (fault.type) {
    case "status": {
      const headers: Record<string, string> = {};
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      const overrides: { code?: string; message?: string } = {};
      if (fault.code !== undefined) overrides.code = fault.code;
      if (fault.message !== undefined) overrides.message = fault.message;
      return sendJson(exchange, fault.status, contentSafetyStatusBody(fault.status, overrides), headers);
    }
    case "hang":
      return;
    case "drop":
      exchange.req.socket.destroy();
      return;
    case "raw-body":
      return sendRaw(exchange, fault.status ?? 200, fault.body, {
        "content-type": fault.contentType ?? "text/plain; charset=utf-8",
      });
    case "huge-body":
      return sendFramedHugeBody(
        exchange,
        fault,
        (fault.status ?? 200) === 200 ? HUGE_ANALYSIS_FRAME : HUGE_ERROR_FRAME,
      );
    case "malformed-json": {
      const whole = JSON.stringify(analysis);
      return sendRaw(exchange, 200, whole.slice(0, Math.floor(whole.length / 2)));
    }
  }
}
