import type {
  ContentSafetyLogInfo,
  ContentSafetyOptions,
  ContentSafetyRoute,
  ContentSafetyRule,
} from "./content-safety/types.js";
import type { Fault, TextMatcher } from "./fault-types.js";

export type {
  DropFault,
  Fault,
  HangFault,
  HugeBodyFault,
  MalformedJsonFault,
  RawBodyFault,
  StatusFault,
  StreamCutFault,
  StreamErrorFault,
  TextMatcher,
} from "./fault-types.js";

import type { EmbeddingsRequestInfo } from "./embeddings/embeddings-types.js";
import type { ChatRoute, EmbeddingsRoute } from "./route-names.js";
/**
 * Public types of the offline LLM server. Everything a test or the CLI touches is declared or
 * re-exported here; the other files implement it.
 */
import type { SearchRouteName, SearchRule, SearchServiceOptions } from "./search/types.js";
import type { SerpOrganicResult, SerpRoute, SerpSearchInfo } from "./serp/serp-types.js";

export type { EmbeddingsRequestInfo } from "./embeddings/embeddings-types.js";
export type { ChatRoute, EmbeddingsRoute } from "./route-names.js";

/** Every route a request can be classified as, including the ones that are not chat completions. */
export type RouteName =
  | ChatRoute
  | EmbeddingsRoute
  | "models-info"
  | "serverless-info"
  | ContentSafetyRoute
  | SerpRoute
  | "not-found"
  | SearchRouteName;

/** Which authentication headers a request carried (`subscription-key`: `Ocp-Apim-Subscription-Key`; `query`: SerpAPI's `api_key` query parameter). */
export type AuthScheme = "api-key" | "bearer" | "both" | "subscription-key" | "query" | "none";

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
  route?: ChatRoute | EmbeddingsRoute | SerpRoute;
  /** SerpAPI: the search query (`q`). A rule with it applies to searches only. */
  query?: TextMatcher;
  /** SerpAPI: the `engine`. A rule with it applies to searches only. */
  engine?: TextMatcher;
  /**
   * Which requests: `chat` or `embeddings`. Unset, a rule with `reply` applies to chat requests, a
   * rule with `embeddings` to embeddings requests, and any other rule (a fault, a delay) to both.
   */
  operation?: "chat" | "embeddings";
  /** Any of an embeddings request's input texts. */
  input?: TextMatcher;
}

/** A scripted behaviour for the chat completion requests it matches. */
export interface Rule {
  /** When the rule applies; omitted means every chat request. */
  match?: RuleMatch;
  /** The assistant's text instead of the default offline reply. */
  reply?: string | ((request: ChatRequestInfo) => string);
  /**
   * SerpAPI: the organic results of a search instead of the default ones (`[]` for a search that
   * finds nothing). A rule with it applies to searches only.
   */
  results?: SerpOrganicResult[] | ((search: SerpSearchInfo) => SerpOrganicResult[]);
  /**
   * Vectors for an embeddings request instead of the derived ones, one per input text (a function
   * may size them by `request.input.length`); sent as floats or base64 as the request asks.
   */
  embeddings?: number[][] | ((request: EmbeddingsRequestInfo) => number[][]);
  /**
   * Fail instead of replying. On embeddings requests, which never stream, `stream-cut` sends the
   * first half of the body and drops the socket, and `stream-error` answers 500 with its message.
   */
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
  /** The Azure AI Search service: its indexes and scripted rules (default: the `handbook` index). */
  search?: SearchServiceOptions;
  /** Azure AI Content Safety: blocklists and scripted analyses (see the README). */
  contentSafety?: ContentSafetyOptions;
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
  /** Number of texts of an embeddings request. */
  inputs?: number;
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
  /** Search requests: the index, the search text and `keyword`/`vector`/`hybrid`/`semantic`. */
  index?: string;
  search?: string;
  queryType?: string;
  /** What a Content Safety `text:analyze` request asked for. */
  contentSafety?: ContentSafetyLogInfo;
  /** SerpAPI: what was searched for (never the key, which travels in the query string). */
  serp?: SerpSearchInfo;
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
  /** Append a search rule (tried after the existing ones). */
  addSearchRule(rule: SearchRule): void;
  /** Append a Content Safety rule (tried after the existing ones). */
  addContentSafetyRule(rule: ContentSafetyRule): void;
  /** Empty the log and counters and go back to the rules given at start, all unspent. */
  reset(): void;
  /** Stop listening, cut every connection (hung ones included) and cancel pending timers. */
  close(): Promise<void>;
}
