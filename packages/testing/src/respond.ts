import type { IncomingMessage, ServerResponse } from "node:http";
import { doneEvent, formatSseEvent } from "./sse.js";
import type { Timers } from "./timers.js";
import type { ChatRequestInfo, HugeBodyFault, RequestLogEntry } from "./types.js";

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

const HUGE_BODY_CHUNK = 64 * 1024;

/**
 * Sends a body of `fault.bytes` bytes in pieces, each once the previous one reached the socket, so
 * that a client that stops reading stops the server too; `entry.bodyBytesSent` counts what went.
 */
export async function sendHugeBody(
  exchange: Exchange,
  request: Pick<ChatRequestInfo, "modelOrDeployment">,
  fault: HugeBodyFault,
  /** The text before and after the filler of a 200 body, when it is not a chat completion. */
  successFrame?: readonly [start: string, end: string],
): Promise<void> {
  const frame: HugeBodyFrame =
    (fault.status ?? 200) === 200
      ? (successFrame ?? [
          `{"id":"chatcmpl-offline-huge","object":"chat.completion","created":0,"model":${JSON.stringify(request.modelOrDeployment)},"choices":[{"index":0,"message":{"role":"assistant","content":"`,
          `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`,
        ])
      : HUGE_ERROR_FRAME;
  await sendFramedHugeBody(exchange, fault, frame);
}

/** The text before and after the filler of a huge body: the filler is one long JSON string. */
export type HugeBodyFrame = readonly [start: string, end: string];

/** The frame of a huge error body, whatever the service. */
export const HUGE_ERROR_FRAME: HugeBodyFrame = [`{"error":{"code":"huge_body","message":"`, `"}}`];

/** Sends `fault.bytes` bytes, `start` + filler + `end`, as `sendHugeBody` describes. */
export async function sendFramedHugeBody(
  exchange: Exchange,
  fault: Pick<HugeBodyFault, "bytes" | "status" | "declareLength">,
  [start, end]: HugeBodyFrame,
  contentType = "application/json",
): Promise<void> {
  const { res, entry } = exchange;
  if (isClosed(exchange)) return;
  const status = fault.status ?? 200;
  const filler = Math.max(0, fault.bytes - start.length - end.length);
  entry.status = status;
  entry.bodyBytesSent = 0;
  res.writeHead(status, {
    "content-type": contentType,
    "x-request-id": entry.requestId,
    ...(fault.declareLength ? { "content-length": String(start.length + filler + end.length) } : {}),
  });
  const chunk = "x".repeat(Math.min(HUGE_BODY_CHUNK, filler));
  const pieces = [start];
  for (let left = filler; left > 0; left -= chunk.length)
    pieces.push(left >= chunk.length ? chunk : chunk.slice(0, left));
  pieces.push(end);
  for (const piece of pieces) {
    if (isClosed(exchange) || !(await writeUnlessClosed(exchange, piece))) return;
    entry.bodyBytesSent += piece.length;
  }
  res.end();
}

/** Writes `text`; resolves `false` instead if the connection closes before it reached the socket. */
export function writeUnlessClosed(exchange: Exchange, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => resolve(false);
    exchange.closed.addEventListener("abort", onClose, { once: true });
    exchange.res.write(text, (error) => {
      exchange.closed.removeEventListener("abort", onClose);
      resolve(!error);
    });
  });
}

/** Resolves once the data is handed to the socket, so a following cut cannot lose it. */
function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(text, () => resolve());
  });
}
