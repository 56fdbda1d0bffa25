// First, so that an unsupported Node.js stops with a clear message before anything else runs.
import "./node-version.js";

export type { ConnectionProblem } from "./connection-kind/check-connections.js";
export { type ConnectionField, describeConnectionFields } from "./connection-kind/connection-fields.js";
export { ConnectionKinds } from "./connection-kind/connection-kinds.js";
export { ConnectionLimiter } from "./connection-kind/connection-limiter.js";
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
export { type ConnectionProvider, InMemoryConnectionProvider } from "./connection-kind/provider.js";
export { unknownConnectionError } from "./connection-kind/unknown-connection.js";
export { createEngine, type Engine, type EngineOptions, type RunOptions } from "./engine.js";
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorKind,
  errorKind,
  type FlowIssueCode,
  isFlowIssueCode,
} from "./errors/codes.js";
export { describeValue, type ErrorInfo, errorKindOf, FlowError, toErrorInfo } from "./errors/flow-error.js";
export { checkInputType } from "./flow/input-types.js";
export { FlowValidationError, formatIssue, type ValidationIssue } from "./flow/issues.js";
export { flowJsonSchema, type NodeTypeSchemaSource } from "./flow/json-schema.js";
export { checkFlowSchema, parseFlowText } from "./flow/load.js";
export {
  collectReferences,
  evaluateTemplate,
  parseReference,
  parseString,
  parseTemplate,
  type Reference,
  type Template,
} from "./flow/references.js";
export { isReservedName, RESERVED_NAMES } from "./flow/reserved-names.js";
export {
  type Flow,
  type FlowDefinition,
  type FlowInput,
  type FlowNode,
  flowInputSchema,
  flowNodeSchema,
  flowSchema,
  type InputType,
  type RetryPolicy,
} from "./flow/schema.js";
export { graphKey, idOfGraphKey } from "./graph/build-graph.js";
export { type CompiledFlow, type CompiledNode, compileFlow, isCompiledFlow } from "./graph/compile-flow.js";
export { type GraphFormat, renderGraph } from "./graph/render-graph.js";
export * from "./limits.js";
export {
  type AnyNodeType,
  defineNodeType,
  type NodeContext,
  type NodeLogger,
  type NodeType,
  type ResolvedConnection,
  type ServiceConnection,
  type TokenUsage,
} from "./node-type/define-node-type.js";
export { NodeTypeRegistry } from "./node-type/registry.js";
export { type BoundedJsonOptions, cutText, stringifyBounded } from "./run/bounded-json.js";
export type { EventBase, RunEventListeners, RunEventName, RunEvents } from "./run/events.js";
export { RUN_EVENT_NAMES } from "./run/events.js";
export { coerceInputText } from "./run/flow-inputs.js";
export { computeRetryDelay, type ResolvedRetryPolicy, resolveRetryPolicy, sleep } from "./run/retry.js";
export { RunHandle } from "./run/run-handle.js";
export type { NodeResult, NodeStatus, RunResult, RunStatus, RunUsage } from "./run/run-result.js";
export { describeJsonError } from "./secrets/json-error.js";
export { Redactor } from "./secrets/redactor.js";
export { isSecret, SECRET_MASK, Secret } from "./secrets/secret.js";
export { hasUrlCredentialParameter, hasUrlUserinfo, maskUrlCredentials } from "./secrets/url-credentials.js";
