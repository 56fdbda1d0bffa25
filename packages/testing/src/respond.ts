import type { IncomingMessage, ServerResponse } from "node:http";
import { doneEvent, formatSseEvent } from "./sse.js";
import type { Timers } from "./timers.js";
import type { RequestLogEntry } from "./types.js";

/** One request being answered: the HTTP objects, its log entry, and the server's timers. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  entry: RequestLogEntry;
  timers: Timers;
  /** Aborts when the connection closes (client gone, socket dropped, server closing). */
  closed: AbortSignal;
}

/** Whether nothing more can be sent for this request. */
export function isClosed(exchange: Exchange): boolean {
  return exchange.closed.aborted || exchange.res.destroyed;
}

/** Sends a whole JSON reply (any status) with the request id. */
export function sendJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendRaw(exchange, status, JSON.stringify(body), headers);
}

/** Sends a body as is, declared as JSON whether or not it is valid. */
export function sendRaw(
  exchange: Exchange,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const { res, entry } = exchange;
  if (isClosed(exchange)) return;
  entry.status = status;
  res.writeHead(status, {
    "content-type": "application/json",
    "x-request-id": entry.requestId,
    ...headers,
  });
  res.end(text);
}

/** How a stream ends after its events: complete, cut off, or with an error event. */
export type StreamEnding = { kind: "done" } | { kind: "cut" } | { kind: "error"; data: string };

/**
 * Sends `events` as SSE, `chunkDelayMs` apart, then ends as `ending` says. A cut closes the socket
 * without finishing the HTTP response, as a dropped connection does.
 */
export async function sendStream(
  exchange: Exchange,
  events: readonly string[],
  ending: StreamEnding,
  chunkDelayMs = 0,
): Promise<void> {
  const { res, entry } = exchange;
  if (isClosed(exchange)) return;
  entry.status = 200;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-request-id": entry.requestId,
  });
  res.flushHeaders();

  for (const [index, data] of events.entries()) {
    if (index > 0 && !(await exchange.timers.wait(chunkDelayMs, exchange.closed))) return;
    if (isClosed(exchange)) return;
    await write(res, formatSseEvent(data));
  }
  if (isClosed(exchange)) return;
  if (ending.kind === "cut") {
    res.socket?.destroy();
    return;
  }
  res.end(formatSseEvent(ending.kind === "error" ? ending.data : doneEvent));
}

/** Resolves once the data is handed to the socket, so a following cut cannot lose it. */
function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(text, () => resolve());
  });
}
