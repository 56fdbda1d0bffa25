/** How a request can fail on purpose, and how rules match text: shared by every service the server speaks. */

/** Answer with an HTTP error status and the error body the real service sends for it. */
export interface StatusFault {
  type: "status";
  /** The HTTP status, e.g. 400, 429, 500, 503. */
  status: number;
  /** Sent as the `retry-after-ms` header. */
  retryAfterMs?: number;
  /** Sent as the `retry-after` header, in seconds. */
  retryAfter?: number;
  /** `error.code` of the body; known codes (e.g. `insufficient_quota`) get the real service's body. */
  code?: string;
  /** `error.message` of the body, replacing the service's usual text. */
  message?: string;
}

/** Never answer; the socket stays open until the client gives up or the server closes. */
export interface HangFault {
  type: "hang";
}

/** Destroy the socket without sending a response. */
export interface DropFault {
  type: "drop";
}

/** Answer 200 with `content-type: application/json` and a body that is not valid JSON. */
export interface MalformedJsonFault {
  type: "malformed-json";
}

/** Start an SSE stream, send `afterChunks` events, then close the socket without `[DONE]`. */
export interface StreamCutFault {
  type: "stream-cut";
  /** How many `data:` events are sent before the cut (the role chunk counts). */
  afterChunks: number;
}

/** Start an SSE stream, send `afterChunks` events, then a `{"error":{…}}` event, then end. */
export interface StreamErrorFault {
  type: "stream-error";
  /** How many `data:` events are sent before the error event (the role chunk counts). */
  afterChunks: number;
  /** `error.message` of the error event. */
  message?: string;
  /** `error.code` (and `error.type`) of the error event; default `server_error`. */
  code?: string;
}

/**
 * Answer with exactly this body and content type: a `null` or a text page where a completion was
 * expected, a plain-text error, a body in a shape the services never send.
 */
export interface RawBodyFault {
  type: "raw-body";
  /** The body, sent as is. */
  body: string;
  /** The HTTP status; default 200. */
  status?: number;
  /** The `content-type` header; default `text/plain; charset=utf-8`. */
  contentType?: string;
}

/**
 * Answer with a body of `bytes` bytes, sent piece by piece as the client reads it and stopped when
 * the client goes away (`RequestLogEntry.bodyBytesSent` says how far it got). A 200 is a chat
 * completion whose content is that long, an error status an error body whose message is.
 */
export interface HugeBodyFault {
  type: "huge-body";
  /** Size of the whole body in bytes. */
  bytes: number;
  /** The HTTP status; default 200. */
  status?: number;
  /** Send `content-length` up front; by default the body is chunked, its size unknown until the end. */
  declareLength?: boolean;
}

/** A way for a request to fail on purpose. */
export type Fault =
  | StatusFault
  | HangFault
  | DropFault
  | MalformedJsonFault
  | StreamCutFault
  | StreamErrorFault
  | RawBodyFault
  | HugeBodyFault;

/** A string matches exactly; a RegExp is tested. */
export type TextMatcher = string | RegExp;
