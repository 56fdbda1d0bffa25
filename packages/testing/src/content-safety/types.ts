import type { Fault, TextMatcher } from "../fault-types.js";

/** The harm categories Azure AI Content Safety analyses text for. */
export type ContentSafetyCategory = "Hate" | "SelfHarm" | "Sexual" | "Violence";

/** `FourSeverityLevels` answers 0, 2, 4, 6; `EightSeverityLevels` answers 0 to 7. */
export type ContentSafetyOutputType = "FourSeverityLevels" | "EightSeverityLevels";

/** The Content Safety requests the server answers. */
export type ContentSafetyRoute =
  /** `POST /contentsafety/text:analyze?api-version=…`: `ContentSafetyClient(…).path("/text:analyze").post()`. */
  | "content-safety-analyze-text"
  /** `GET /contentsafety/text/blocklists?api-version=…`: `ContentSafetyClient(…).path("/text/blocklists").get()`. */
  | "content-safety-blocklists";

/** One category's result, as the service sends it. */
export interface ContentSafetyCategoryAnalysis {
  category: ContentSafetyCategory;
  severity: number;
}

/** One blocklist hit, as the service sends it. */
export interface ContentSafetyBlocklistMatch {
  blocklistName: string;
  blocklistItemId: string;
  blocklistItemText: string;
}

/** The body of a `text:analyze` answer (API version 2023-10-01 and later). */
export interface ContentSafetyAnalysis {
  blocklistsMatch: ContentSafetyBlocklistMatch[];
  categoriesAnalysis: ContentSafetyCategoryAnalysis[];
}

/** What a scripted analysis receives: the parsed request, never the key. */
export interface ContentSafetyRequestInfo {
  /** The text to analyse. */
  text: string;
  /** The categories asked for (all four when the request names none). */
  categories: ContentSafetyCategory[];
  /** The blocklists named, in order. */
  blocklistNames: string[];
  /** Whether the request asked to skip the category analysis once a blocklist matched. */
  haltOnBlocklistHit: boolean;
  /** The severity scale asked for (`FourSeverityLevels` when the request names none). */
  outputType: ContentSafetyOutputType;
  /** The `api-version` query parameter. */
  apiVersion: string;
  /** The name of the key that authenticated the request, when keys were given as a record. */
  keyName?: string;
}

/** Conditions a request must meet for a Content Safety rule to apply; every given one must hold. */
export interface ContentSafetyRuleMatch {
  /** The text analysed. */
  text?: TextMatcher;
  /** A blocklist the request names. */
  blocklistName?: string;
  /** The key's name (when keys were named) or the key itself. */
  key?: string;
}

/** A scripted behaviour for the `text:analyze` requests it matches. */
export interface ContentSafetyRule {
  /** When the rule applies; omitted means every analysis request. */
  match?: ContentSafetyRuleMatch;
  /** The answer instead of the deterministic one. */
  analysis?: ContentSafetyAnalysis | ((request: ContentSafetyRequestInfo) => ContentSafetyAnalysis);
  /** Fail instead of answering (every fault but the stream ones, which a JSON API has no use for). */
  fault?: Exclude<Fault, { type: "stream-cut" | "stream-error" }>;
  /** Wait this long before answering (overrides `defaultDelayMs`). */
  delayMs?: number;
  /** Apply the rule to this many requests only; afterwards it is spent and skipped. */
  times?: number;
}

/** Content Safety settings of the offline server. */
export interface ContentSafetyOptions {
  /** Blocklists by name, each a list of terms (matched case-insensitively anywhere in the text). */
  blocklists?: Record<string, string[]>;
  /** Scripted analyses and faults, tried in order; the first matching unspent rule wins. */
  rules?: ContentSafetyRule[];
}

/** What the request log records about a Content Safety request. */
export interface ContentSafetyLogInfo {
  /** The text analysed. */
  text: string;
  /** The categories asked for. */
  categories: ContentSafetyCategory[];
  /** The blocklists named. */
  blocklistNames: string[];
  /** The severity scale asked for. */
  outputType: ContentSafetyOutputType;
}
