// The public API of @weft/testing: offline servers that speak the real wire protocols, with faults
// and a request log. `api/testing.api.md` records the whole surface (`pnpm api` rewrites it).
export { fingerprintKey } from "./auth.js";
export { type ServeMockLlmOptions, serveMockLlm } from "./serve.js";
export { startLlmServer } from "./server.js";
export type {
  AuthScheme,
  ChatMessageInfo,
  ChatRequestInfo,
  ChatRoute,
  DropFault,
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
