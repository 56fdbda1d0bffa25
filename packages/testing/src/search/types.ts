/**
 * Public types of the offline Azure AI Search service (the `search` option of `startLlmServer`).
 */

/** A string matches exactly; a RegExp is tested. */
export type SearchTextMatcher = string | RegExp;

/**
 * How a search request can fail on purpose: the faults of chat requests that a JSON answer can
 * have (search answers are not streamed), with the same fields and meaning.
 */
export type SearchFault =
  /** An error status with the service's error body; `retryAfterMs`/`retryAfter` set those headers. */
  | {
      type: "status";
      status: number;
      retryAfterMs?: number;
      retryAfter?: number;
      code?: string;
      message?: string;
    }
  /** Never answer. */
  | { type: "hang" }
  /** Destroy the socket without an answer. */
  | { type: "drop" }
  /** Answer 200 with the first half of the JSON it would have sent. */
  | { type: "malformed-json" }
  /** Answer exactly this body (default status 200, `text/plain`). */
  | { type: "raw-body"; body: string; status?: number; contentType?: string }
  /** A body of `bytes` bytes (one hit with a long `content`, or a long error message), sent as read. */
  | { type: "huge-body"; bytes: number; status?: number; declareLength?: boolean };

/** Search routes: a query on one index (`search`), the list of indexes (`search-indexes`). */
export type SearchRouteName = "search" | "search-indexes";

/** A document of an offline index: field names to JSON values. */
export type SearchDocument = Record<string, unknown>;

/** One index of the offline service. */
export interface SearchIndexSeed {
  /** The documents, in any order. */
  documents: SearchDocument[];
  /** The key field; default `id`. Ties in score are broken by it. */
  key?: string;
  /** Fields keyword search reads; default every field holding text (or a list of texts). */
  searchableFields?: string[];
  /** Fields holding vectors; default every field holding an array of numbers. */
  vectorFields?: string[];
  /** The index's semantic configurations; default `["default"]`. */
  semanticConfigurations?: string[];
}

/** What a scripted search result function receives: the parsed request, never the key. */
export interface SearchRequestInfo {
  /** The index named in the path. */
  index: string;
  /** The `api-version` query parameter. */
  apiVersion?: string;
  /** The name of the key that authenticated the request, when keys were given as a record. */
  keyName?: string;
  /** `search`: the text searched for, if any. */
  search?: string;
  /** `simple` (keyword), `full` or `semantic`, as sent (`simple` when absent). */
  queryType: string;
  /** `semanticConfiguration`, if sent. */
  semanticConfiguration?: string;
  /** The vector queries (`kind: "vector"`), in order. */
  vectorQueries: Array<{ vector: number[]; fields: string[]; k?: number }>;
  /** `top`, or 50 (the service's default) when absent. */
  top: number;
  /** `select` split into field names; absent or `*` means every field. */
  select?: string[];
  /** `filter`, if sent. */
  filter?: string;
  /** The whole parsed request body. */
  body: Record<string, unknown>;
}

/** One hit as the service sends it (`@search.score`, `@search.rerankerScore`, then the fields). */
export interface SearchHit {
  score: number;
  rerankerScore?: number;
  document: SearchDocument;
}

/** Conditions a search request must meet for a rule to apply; every given condition must hold. */
export interface SearchRuleMatch {
  /** The index name. */
  index?: SearchTextMatcher;
  /** The search text. */
  search?: SearchTextMatcher;
  /** The key's name (when keys were named) or the key itself. */
  key?: string;
}

/** A scripted behaviour for the search requests it matches. */
export interface SearchRule {
  /** When the rule applies; omitted means every search request. */
  match?: SearchRuleMatch;
  /** The hits to answer with instead of searching the index. */
  results?: SearchHit[] | ((request: SearchRequestInfo) => SearchHit[]);
  /** Fail instead: `status`, `hang`, `drop`, `malformed-json`, `raw-body` or `huge-body`. */
  fault?: SearchFault;
  /** Wait this long before answering (overrides `defaultDelayMs`). */
  delayMs?: number;
  /** Apply the rule to this many requests only; afterwards it is spent and skipped. */
  times?: number;
}

/** The `search` option of `startLlmServer`. */
export interface SearchServiceOptions {
  /** The indexes, by name; default one index, `handbook` (see the package README). */
  indexes?: Record<string, SearchIndexSeed>;
  /** Scripted results and faults, tried in order; the first matching unspent rule wins. */
  rules?: SearchRule[];
}
