import { STATUS_CODES } from "node:http";
import { type Exchange, type HugeBodyFrame, sendFramedHugeBody, sendJson, sendRaw } from "../respond.js";
import { searchErrorBody } from "./search-request.js";
import type { SearchFault } from "./types.js";

/** The service's usual message for an injected status. */
const MESSAGES: Record<number, string> = {
  400: "The request is invalid.",
  403: "",
  429: "Too many requests. Please retry after some time.",
  500: "An unexpected error occurred while processing the request.",
  503: "You are sending too many requests. Please try again later.",
};

/** Fails a search request the way `fault` says (the faults a JSON answer can have). */
export async function applySearchFault(
  fault: SearchFault,
  exchange: Exchange,
  answer: unknown,
): Promise<void> {
  exchange.entry.fault = fault.type;
  switch (fault.type) {
    case "status": {
      const headers: Record<string, string> = {};
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      const message = fault.message ?? MESSAGES[fault.status] ?? STATUS_CODES[fault.status] ?? "Error";
      // A refused key gets an empty body, as the service sends.
      if (fault.status === 403 && fault.message === undefined) return sendRaw(exchange, 403, "", headers);
      return sendJson(exchange, fault.status, searchErrorBody(message, fault.code), headers);
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
    case "malformed-json": {
      const whole = JSON.stringify(answer);
      return sendRaw(exchange, 200, whole.slice(0, Math.floor(whole.length / 2)));
    }
    case "huge-body":
      return sendHugeSearchBody(exchange, fault);
    default:
      throw new Error(`the ${(fault as { type: string }).type} fault does not apply to search requests`);
  }
}

/** A huge search answer: one document (or an error) whose text carries the bytes. */
function sendHugeSearchBody(
  exchange: Exchange,
  fault: Extract<SearchFault, { type: "huge-body" }>,
): Promise<void> {
  const frame: HugeBodyFrame =
    (fault.status ?? 200) === 200
      ? ['{"value":[{"@search.score":1,"id":"huge","content":"', '"}]}']
      : ['{"error":{"code":"","message":"', '"}}'];
  return sendFramedHugeBody(exchange, fault, frame, "application/json; odata.metadata=none");
}
