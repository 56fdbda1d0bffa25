/**
 * Public types of the offline LLM server. Everything a test or the CLI touches is declared here;
 * the other files implement it.
 */

/** The URL shapes the server answers, one per kind of client construction. */
export type ChatRoute =
  /** `POST /v1/chat/completions`: `new OpenAI({ baseURL: url + "/v1" })` and compatible servers. */
  | "openai-v1"
  /** `POST /openai/v1/chat/completions`: the Azure OpenAI "v1 API". */
  | "azure-openai-v1"
  /** `POST /models/chat/completions`: Azure AI Foundry models endpoint (`ModelClient`). */
  | "foundry-models"
  /** `POST /openai/deployments/<deployment>/chat/completions`: classic Azure OpenAI (`AzureOpenAI`). */
  | "azure-deployment";

/** Every route a request can be classified as, including the ones that are not chat completions. */
export type RouteName = ChatRoute | "models-info" | "not-found";

/** Which authentication headers a request carried. */
export type AuthScheme = "api-key" | "bearer" | "both" | "none";

/** One chat message as the server understood it; array contents are flattened to their text parts. */
export interface ChatMessageInfo {
  /** `system`, `user`, `assistant`, `tool`, … as sent. */
  role: string;
  /** The text of the message (text parts of an array content joined with a newline). */
  content: string;
}

/** What a scripted reply function receives: the parsed request, never the key. */
export interface ChatRequestInfo {
  /** Which URL shape the request used. */
  route: ChatRoute;
  /** The deployment name from `/openai/deployments/<deployment>/…`, if the route has one. */
  deployment?: string;
  /** `model` from the request body, if any. */
  model?: string;
  /** The name that answers: the body's `model`, else the deployment. */
  modelOrDeployment: string;
  /** The `api-version` query parameter, if any. */
  apiVersion?: string;
  /** The name of the key that authenticated the request, when keys were given as a record. */
  keyName?: string;
  /** The messages of the request, in order. */
  messages: ChatMessageInfo[];
  /** The content of the last `user` message. */
  lastUserMessage?: string;
  /** Whether `stream: true` was requested. */
  stream: boolean;
  /** Whether `stream_options.include_usage` was requested. */
  includeUsage: boolean;
  /** `response_format.type` (`text`, `json_object`, `json_schema`), if given. */
  responseFormat?: string;
  /** The whole parsed request body, for replies that need other fields. */
  body: Record<string, unknown>;
}

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

/** Conditions a request must meet for a rule to apply; every given condition must hold. */
export interface RuleMatch {
  /** The body's `model`. */
  model?: TextMatcher;
  /** The deployment name in the path. */
  deployment?: TextMatcher;
  /** The content of the last `user` message. */
  lastUserMessage?: TextMatcher;
  /** The key's name (when keys were named) or the key itself. */
  key?: string;
  /** The URL shape. */
  route?: ChatRoute;
}

/** A scripted behaviour for the chat completion requests it matches. */
export interface Rule {
  /** When the rule applies; omitted means every chat request. */
  match?: RuleMatch;
  /** The assistant's text instead of the default offline reply. */
  reply?: string | ((request: ChatRequestInfo) => string);
  /** Fail instead of replying. */
  fault?: Fault;
  /** Wait this long before answering (overrides `defaultDelayMs`). */
  delayMs?: number;
  /** Wait this long between the events of a stream. */
  chunkDelayMs?: number;
  /** Apply the rule to this many requests only; afterwards it is spent and skipped. */
  times?: number;
}

/** Keys the server accepts: a list, or names mapped to keys (names then show up in the log). */
export type KeySet = string[] | Record<string, string>;

/** Options of `startLlmServer`. */
export interface LlmServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Accepted keys; when omitted any non-empty key is accepted. */
  keys?: KeySet;
  /** Scripted replies and faults, tried in order; the first matching unspent rule wins. */
  rules?: Rule[];
  /** Delay before every answer that no rule gives its own `delayMs`. */
  defaultDelayMs?: number;
  /** Called once per request, when it has finished (answered, dropped or abandoned). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** What the server recorded about one request. Holds no key and no raw header. */
export interface RequestLogEntry {
  /** 1 for the first request since start or `reset()`, then 2, 3, … */
  seq: number;
  /** The `x-request-id` the response carried. */
  requestId: string;
  /** HTTP method. */
  method: string;
  /** URL path without the query. */
  path: string;
  /** How the path was classified. */
  route: RouteName;
  /** The deployment name from the path, if any. */
  deployment?: string;
  /** The body's `model`, if any. */
  model?: string;
  /** The `api-version` query parameter, if any. */
  apiVersion?: string;
  /** Which authentication headers were present. */
  auth: AuthScheme;
  /** The name of the key, when keys were given as a record and the key is one of them. */
  keyName?: string;
  /** `sha256:` + the first 12 hex digits of the key's SHA-256; see `fingerprintKey`. */
  keyFingerprint?: string;
  /** Whether `stream: true` was requested. */
  stream: boolean;
  /** Number of messages in the body. */
  messages: number;
  /** The content of the last `user` message. */
  lastUserMessage?: string;
  /** HTTP status sent; 0 while none has been sent (in flight, hung or dropped). */
  status: number;
  /** The fault type applied, if any. */
  fault?: Fault["type"];
  /** `Date.now()` when the request arrived. */
  startedAt: number;
  /** Milliseconds from arrival until the response ended or the socket closed. */
  durationMs: number;
  /** Requests in flight when this one arrived, itself included. */
  concurrency: number;
  /** Body bytes a `huge-body` fault sent before the body ended or the client went away. */
  bodyBytesSent?: number;
  /** The token counts the answer reported (`usage`), when it reported any. */
  usage?: TokenCounts;
}

/** Tokens as the server counted them for its answers. */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Counters since start or the last `reset()`. */
export interface LlmServerStats {
  /** Requests received. */
  total: number;
  /** Highest number of requests in flight at once. */
  maxConcurrency: number;
  /** The same high-water mark per key, by key name or else key fingerprint. */
  maxConcurrencyByKey: Record<string, number>;
  /**
   * Tokens the server reported in its answers, per key (by key name or else key fingerprint):
   * what a client's usage accounting should add up to.
   */
  tokensByKey: Record<string, TokenCounts & { requests: number }>;
}

/** A running offline LLM server. */
export interface LlmServer {
  /** `http://127.0.0.1:PORT` (or the host listened on), without a trailing slash. */
  url: string;
  /** The port listened on. */
  port: number;
  /** Every request received, in arrival order; entries are updated while requests run. */
  requests: RequestLogEntry[];
  /** Counters since start or the last `reset()`. */
  stats(): LlmServerStats;
  /** Append a rule (tried after the existing ones). */
  addRule(rule: Rule): void;
  /** Empty the log and counters and go back to the rules given at start, all unspent. */
  reset(): void;
  /** Stop listening, cut every connection (hung ones included) and cancel pending timers. */
  close(): Promise<void>;
}
