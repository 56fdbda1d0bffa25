import {
  type Exchange,
  type HugeBodyFrame,
  sendFramedHugeBody,
  sendJson,
  sendRaw,
  writeUnlessClosed,
} from "../respond.js";
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

/** A huge SerpAPI answer: one organic result (or an error) whose text carries the bytes. */
function sendHugeSearchBody(exchange: Exchange, fault: HugeBodyFault): Promise<void> {
  const frame: HugeBodyFrame =
    (fault.status ?? 200) === 200
      ? [
          '{"search_metadata":{"id":"offline-huge","status":"Success"},"organic_results":[{"position":1,"title":"',
          '","link":"https://example.com/huge"}]}',
        ]
      : ['{"error":"', '"}'];
  return sendFramedHugeBody(exchange, fault, frame);
}
