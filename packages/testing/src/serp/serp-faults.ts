import { type Exchange, sendJson, sendRaw, writeUnlessClosed } from "../respond.js";
import type { Fault, HugeBodyFault } from "../types.js";
import { serpErrorBody, serpStatusMessage } from "./serp-results.js";

/**
 * Fails a SerpAPI request the way `fault` says, in SerpAPI's shapes (`{"error": "…"}`). A search
 * does not stream: `stream-cut` sends half the body and closes the socket (a body cut short), and
 * `stream-error` answers 500 with its message.
 */
export async function applySerpFault(
  fault: Fault,
  exchange: Exchange,
  response: Record<string, unknown>,
): Promise<void> {
  exchange.entry.fault = fault.type;
  switch (fault.type) {
    case "status": {
      const headers: Record<string, string> = {};
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      sendJson(
        exchange,
        fault.status,
        serpErrorBody(serpStatusMessage(fault.status, fault.message)),
        headers,
      );
      return;
    }
    case "hang":
      return;
    case "drop":
      exchange.req.socket.destroy();
      return;
    case "raw-body":
      sendRaw(exchange, fault.status ?? 200, fault.body, {
        "content-type": fault.contentType ?? "text/plain; charset=utf-8",
      });
      return;
    case "huge-body":
      await sendHugeSearchBody(exchange, fault);
      return;
    case "malformed-json": {
      const whole = JSON.stringify(response);
      sendRaw(exchange, 200, whole.slice(0, Math.floor(whole.length / 2)));
      return;
    }
    case "stream-cut":
      await sendCutBody(exchange, JSON.stringify(response));
      return;
    case "stream-error":
      sendJson(exchange, 500, serpErrorBody(serpStatusMessage(500, fault.message)));
      return;
  }
}

/** Sends the headers and the first half of the body, then closes the socket mid-body. */
async function sendCutBody(exchange: Exchange, whole: string): Promise<void> {
  const { res, entry } = exchange;
  if (exchange.closed.aborted || res.destroyed) return;
  entry.status = 200;
  res.writeHead(200, {
    "content-type": "application/json",
    "x-request-id": entry.requestId,
    "content-length": String(Buffer.byteLength(whole)),
  });
  if (await writeUnlessClosed(exchange, whole.slice(0, Math.floor(whole.length / 2)))) res.socket?.destroy();
}

const HUGE_BODY_CHUNK = 64 * 1024;

/**
 * A search response (or, with an error status, an error) of `fault.bytes` bytes, sent piece by
 * piece while the client reads; `entry.bodyBytesSent` counts what went.
 */
async function sendHugeSearchBody(exchange: Exchange, fault: HugeBodyFault): Promise<void> {
  const { res, entry } = exchange;
  if (exchange.closed.aborted || res.destroyed) return;
  const status = fault.status ?? 200;
  const [start, end] =
    status === 200
      ? [
          '{"search_metadata":{"id":"offline-huge","status":"Success"},"organic_results":[{"position":1,"title":"',
          '","link":"https://example.com/huge"}]}',
        ]
      : ['{"error":"', '"}'];
  const filler = Math.max(0, fault.bytes - start.length - end.length);
  entry.status = status;
  entry.bodyBytesSent = 0;
  res.writeHead(status, {
    "content-type": "application/json",
    "x-request-id": entry.requestId,
    ...(fault.declareLength ? { "content-length": String(start.length + filler + end.length) } : {}),
  });
  const chunk = "x".repeat(Math.min(HUGE_BODY_CHUNK, filler));
  const pieces = [start];
  for (let left = filler; left > 0; left -= chunk.length)
    pieces.push(left >= chunk.length ? chunk : chunk.slice(0, left));
  pieces.push(end);
  for (const piece of pieces) {
    if (exchange.closed.aborted || res.destroyed || !(await writeUnlessClosed(exchange, piece))) return;
    entry.bodyBytesSent += piece.length;
  }
  res.end();
}
