// The public API of @weft/engine: what an app that runs flows and an author of node types or
// connection kinds need, and nothing else. Each name is listed explicitly; `api/engine.api.md`
// records the whole surface (`pnpm api` rewrites it), so that every change of it shows in review.

// First, so that an unsupported Node.js stops with a clear message before anything else runs.
import "./node-version.js";

// The engine and its runs.
export type {
  BatchOptions,
  BatchRow,
  BatchRowResult,
  BatchRowStatus,
  BatchRows,
  BatchStopReason,
} from "./batch/batch-options.js";
export { BatchRun } from "./batch/batch-run.js";
export {
  type BatchConnectionUsage,
  type BatchSlowRow,
  type BatchSummary,
  BatchTally,
} from "./batch/batch-tally.js";
export type { CompiledFlow } from "./compiled-flow.js";
// Connection kinds and where connections come from.
export type { ConnectionProblem } from "./connection-kind/check-connections.js";
export type { ConnectionField } from "./connection-kind/connection-fields.js";
export { ConnectionKinds } from "./connection-kind/connection-kinds.js";
export {
  type BackoffLimit,
  ConnectionLimiter,
  type ConnectionLimiterOptions,
  type LimitedRequest,
  type TokenTicket,
} from "./connection-kind/connection-limiter.js";
export { connectionSchema } from "./connection-kind/connection-schema.js";
export {
  type AnyConnectionKind,
  type Connection,
  type ConnectionKind,
  type ConnectionOf,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  defineConnectionKind,
  type PromptflowConversion,
  type PromptflowReader,
  secretField,
  secretSchema,
} from "./connection-kind/define-connection-kind.js";
export type { LimiterClock } from "./connection-kind/limiter-clock.js";
export { type ConnectionProvider, InMemoryConnectionProvider } from "./connection-kind/provider.js";
export type {
  ReleaseSharedSlot,
  SharedConnectionLimits,
  SharedLimits,
} from "./connection-kind/shared-connection-limits.js";
export { unknownConnectionError } from "./connection-kind/unknown-connection.js";
export { createEngine, type Engine, type EngineOptions, type RunOptions } from "./engine.js";
// Errors.
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorKind,
  errorKind,
  type FlowIssueCode,
  isFlowIssueCode,
} from "./errors/codes.js";
export {
  describeValue,
  type ErrorInfo,
  type ErrorLocation,
  errorKindOf,
  FlowError,
  toErrorInfo,
} from "./errors/flow-error.js";
// What a flow is.
export { checkInputType } from "./flow/input-types.js";
export { FlowValidationError, formatIssue, type ValidationIssue } from "./flow/issues.js";
export { flowJsonSchema, type JsonSchema, type NodeTypeSchemaSource } from "./flow/json-schema.js";
export { RESERVED_NAMES } from "./flow/reserved-names.js";
export {
  type Flow,
  type FlowDefinition,
  type FlowInput,
  type FlowNode,
  flowInputSchema,
  flowNodeSchema,
  flowSchema,
  type InputType,
  inputTypeSchema,
  type RetryPolicy,
  retryPolicySchema,
} from "./flow/schema.js";
export { type GraphFormat, renderGraph } from "./graph/render-graph.js";
// Limits (each documented in the README) and bounded output.
export {
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_BATCH_MAX_WAITING_ROWS,
  DEFAULT_FLOW_LIMITS,
  DEFAULT_MAX_OUTPUT_LENGTH,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RUN_TIMEOUT_MS,
  type FlowLimits,
  MAX_BATCH_CONCURRENCY,
  MAX_BATCH_MAPPINGS,
  MAX_BATCH_RESULT_LINE_LENGTH,
  MAX_BATCH_ROW_BYTES,
  MAX_BATCH_ROW_COLUMNS,
  MAX_BATCH_ROW_DEPTH,
  MAX_BATCH_SLOWEST_ROWS,
  MAX_BATCH_WAITING_ROWS,
  MAX_DESCRIBED_VALUE_LENGTH,
  MAX_ECHOED_STRING_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_FLOW_DEPTH,
  MAX_FLOW_FILE_BYTES,
  MAX_FLOW_NODES,
  MAX_INPUTS_FILE_BYTES,
  MAX_ISSUE_MESSAGE_LENGTH,
  MAX_KEY_FILE_BYTES,
  MAX_LISTED_ISSUES,
  MAX_PRICED_MODELS,
  MAX_PRICES_FILE_BYTES,
  MAX_RESULT_JSON_LENGTH,
  MAX_STORE_FILE_BYTES,
  MAX_SUGGESTED_NAMES,
  MAX_TRACE_EVENT_LENGTH,
  MAX_TRACE_EVENT_LENGTH_PAST_BUDGET,
  MAX_TRACE_LENGTH,
} from "./limits.js";
// Node types.
export { bindNodeTypes } from "./node-type/bind-node-types.js";
export {
  type AnyNodeType,
  defineNodeType,
  type NodeContext,
  type NodeLogger,
  type NodeType,
  type ResolvedConnection,
  type ServiceCallOptions,
  type ServiceConnection,
  type TokenUsage,
  type UsageDetails,
} from "./node-type/define-node-type.js";
export type { NodeTypeRegistry } from "./node-type/registry.js";
export { type BoundedJsonOptions, cutText, stringifyBounded } from "./run/bounded-json.js";
export type { EventBase, RunEventListeners, RunEventName, RunEvents } from "./run/events.js";
export { RUN_EVENT_NAMES } from "./run/events.js";
export { coerceInputText } from "./run/flow-inputs.js";
export {
  costOf,
  findPrice,
  type ModelPrice,
  type Prices,
  type PricesFile,
  parsePrices,
} from "./run/prices.js";
export { RunHandle } from "./run/run-handle.js";
export type { NodeResult, NodeStatus, RunResult, RunStatus } from "./run/run-result.js";
export { addRunUsage, addUsage, emptyRunUsage, emptyUsage, type RunUsage, type Usage } from "./run/usage.js";
export { describeJsonError } from "./secrets/json-error.js";
// Secrets.
export { Redactor } from "./secrets/redactor.js";
export { isSecret, SECRET_MASK, Secret } from "./secrets/secret.js";
export { hasUrlCredentialParameter, hasUrlUserinfo, maskUrlCredentials } from "./secrets/url-credentials.js";
