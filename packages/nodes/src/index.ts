import type { AnyConnectionKind, AnyNodeType } from "@weft/engine";
import { type ChatCompletionOutput, chatCompletion } from "./chat-completion/chat-completion.js";
import { testConnection } from "./chat-completion/test-connection.js";
import { type AzureAiConnection, azureAiConnectionKind } from "./connection-kinds/azure-ai/azure-ai.js";
import {
  ACCEPTED_ENDPOINT_SHAPES,
  type AzureEndpoint,
  classifyAzureEndpoint,
  DEFAULT_AZURE_OPENAI_API_VERSION,
  isLoopbackHost,
} from "./connection-kinds/azure-ai/endpoint.js";
import { type CustomConnection, customConnectionKind } from "./connection-kinds/custom/custom.js";
import { type OpenAiConnection, openAiConnectionKind } from "./connection-kinds/openai/openai.js";
import { createAzureAiConnection } from "./create-azure-ai-connection/create-azure-ai-connection.js";
import { declareVariable } from "./declare-variable/declare-variable.js";

export {
  isRetryableStatus,
  networkError,
  readErrorBody,
  readRetryAfter,
  type ServiceErrorInfo,
  serviceError,
} from "./service/service-errors.js";
export {
  ACCEPTED_ENDPOINT_SHAPES,
  type AzureAiConnection,
  type AzureEndpoint,
  azureAiConnectionKind,
  type ChatCompletionOutput,
  type CustomConnection,
  chatCompletion,
  classifyAzureEndpoint,
  createAzureAiConnection,
  customConnectionKind,
  DEFAULT_AZURE_OPENAI_API_VERSION,
  declareVariable,
  isLoopbackHost,
  type OpenAiConnection,
  openAiConnectionKind,
  testConnection,
};

/** Every built-in node type, for `createEngine({ nodeTypes: builtinNodeTypes })`. */
export const builtinNodeTypes: readonly AnyNodeType[] = [
  declareVariable,
  createAzureAiConnection,
  chatCompletion,
];

/** Every built-in connection kind, for `createEngine({ connectionKinds: builtinConnectionKinds })`. */
export const builtinConnectionKinds: readonly AnyConnectionKind[] = [
  azureAiConnectionKind,
  openAiConnectionKind,
  customConnectionKind,
];
