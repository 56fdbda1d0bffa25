import { STATUS_CODES } from "node:http";
import { type Exchange, isClosed, sendJson, sendRaw } from "../respond.js";
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

const HUGE_BODY_CHUNK = 64 * 1024;

/** A body of `fault.bytes` bytes: one hit with a long `content` (or a long error message), sent as read. */
async function sendHugeSearchBody(
  exchange: Exchange,
  fault: Extract<SearchFault, { type: "huge-body" }>,
): Promise<void> {
  const { res, entry } = exchange;
  if (isClosed(exchange)) return;
  const status = fault.status ?? 200;
  const [start, end] =
    status === 200
      ? ['{"value":[{"@search.score":1,"id":"huge","content":"', '"}]}']
      : ['{"error":{"code":"","message":"', '"}}'];
  const filler = Math.max(0, fault.bytes - start.length - end.length);
  entry.status = status;
  entry.bodyBytesSent = 0;
  res.writeHead(status, {
    "content-type": "application/json; odata.metadata=none",
    "x-request-id": entry.requestId,
    ...(fault.declareLength ? { "content-length": String(start.length + filler + end.length) } : {}),
  });
  const chunk = "x".repeat(Math.min(HUGE_BODY_CHUNK, filler));
  const pieces = [start];
  for (let left = filler; left > 0; left -= chunk.length)
    pieces.push(left >= chunk.length ? chunk : chunk.slice(0, left));
  pieces.push(end);
  for (const piece of pieces) {
    if (isClosed(exchange) || !(await write(exchange, piece))) return;
    entry.bodyBytesSent += piece.length;
  }
  res.end();
}

function write(exchange: Exchange, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => resolve(false);
    exchange.closed.addEventListener("abort", onClose, { once: true });
    exchange.res.write(text, (error) => {
      exchange.closed.removeEventListener("abort", onClose);
      resolve(!error);
    });
  });
}
