export { fingerprintKey } from "./auth.js";
export { countWords, defaultReply } from "./replies.js";
export { formatLogLine, type ServeMockLlmOptions, serveMockLlm } from "./serve.js";
export { startLlmServer } from "./server.js";
export type {
  AuthScheme,
  ChatMessageInfo,
  ChatRequestInfo,
  ChatRoute,
  DropFault,
  Fault,
  HangFault,
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
} from "./types.js";
