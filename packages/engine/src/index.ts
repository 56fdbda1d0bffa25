export {
  type AzureAiConnection,
  azureAiConnectionSchema,
  type Connection,
  type ConnectionType,
  type CustomConnection,
  connectionSchema,
  connectionSecrets,
  customConnectionSchema,
  isConnection,
  type OpenAiConnection,
  openAiConnectionSchema,
  secretSchema,
} from "./connections/connection.js";
export { ConnectionLimiter } from "./connections/connection-limiter.js";
export {
  ACCEPTED_ENDPOINT_SHAPES,
  type AzureEndpoint,
  classifyAzureEndpoint,
  DEFAULT_AZURE_OPENAI_API_VERSION,
  isLoopbackHost,
} from "./connections/endpoint.js";
export { type ConnectionProvider, InMemoryConnectionProvider } from "./connections/provider.js";
export * from "./connections/store/index.js";
export { createEngine, type Engine, type EngineOptions, type RunOptions } from "./engine.js";
export { describeValue, type ErrorInfo, FlowError, toErrorInfo } from "./errors.js";
export { FlowValidationError, formatIssue, type ValidationIssue } from "./flow/issues.js";
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
export {
  type Flow,
  type FlowDefinition,
  type FlowInput,
  type FlowNode,
  flowInputSchema,
  flowJsonSchema,
  flowNodeSchema,
  flowSchema,
  type InputType,
  type RetryPolicy,
} from "./flow/schema.js";
export { type CompiledFlow, type CompiledNode, compileFlow } from "./graph/compile-flow.js";
export { type GraphFormat, renderGraph } from "./graph/render-graph.js";
export {
  type AnyNodeType,
  defineNodeType,
  type NodeContext,
  type NodeLogger,
  type NodeType,
  type ResolvedConnection,
  type TokenUsage,
} from "./node-type/define-node-type.js";
export { NodeTypeRegistry } from "./node-type/registry.js";
export type { EventBase, RunEventListeners, RunEventName, RunEvents } from "./run/events.js";
export { RUN_EVENT_NAMES } from "./run/events.js";
export { coerceInputText } from "./run/flow-inputs.js";
export { computeRetryDelay, type ResolvedRetryPolicy, resolveRetryPolicy, sleep } from "./run/retry.js";
export { RunHandle } from "./run/run-handle.js";
export type { NodeResult, NodeStatus, RunResult, RunStatus, RunUsage } from "./run/run-result.js";
export { describeJsonError } from "./secrets/json-error.js";
export { Redactor } from "./secrets/redactor.js";
export { isSecret, SECRET_MASK, Secret } from "./secrets/secret.js";
export { hasUrlUserinfo, maskUrlCredentials } from "./secrets/url-credentials.js";
