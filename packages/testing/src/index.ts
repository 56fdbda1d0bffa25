// The public API of @weft/testing: offline servers that speak the real wire protocols, with faults
// and a request log. `api/testing.api.md` records the whole surface (`pnpm api` rewrites it).
export { fingerprintKey } from "./auth.js";
export type {
  ContentSafetyAnalysis,
  ContentSafetyBlocklistMatch,
  ContentSafetyCategory,
  ContentSafetyCategoryAnalysis,
  ContentSafetyLogInfo,
  ContentSafetyOptions,
  ContentSafetyOutputType,
  ContentSafetyRequestInfo,
  ContentSafetyRoute,
  ContentSafetyRule,
  ContentSafetyRuleMatch,
} from "./content-safety/types.js";
export {
  DEFAULT_EMBEDDING_DIMENSIONS,
  MAX_EMBEDDING_DIMENSIONS,
  offlineEmbedding,
} from "./embeddings/vectors.js";
export type {
  SearchDocument,
  SearchFault,
  SearchHit,
  SearchIndexSeed,
  SearchRequestInfo,
  SearchRouteName,
  SearchRule,
  SearchRuleMatch,
  SearchServiceOptions,
  SearchTextMatcher,
} from "./search/types.js";
export type { SerpOrganicResult, SerpRoute, SerpSearchInfo } from "./serp/serp-types.js";
export { type ServeMockLlmOptions, serveMockLlm } from "./serve.js";
export { startLlmServer } from "./server.js";
export type {
  AuthScheme,
  ChatMessageInfo,
  ChatRequestInfo,
  ChatRoute,
  DropFault,
  EmbeddingsRequestInfo,
  EmbeddingsRoute,
  Fault,
  HangFault,
  HugeBodyFault,
  KeySet,
  LlmServer,
  LlmServerOptions,
  LlmServerStats,
  MalformedJsonFault,
  RawBodyFault,
  RequestLogEntry,
  RouteName,
  Rule,
  RuleMatch,
  StatusFault,
  StreamCutFault,
  StreamErrorFault,
  TextMatcher,
  TokenCounts,
} from "./types.js";
