// The public API of @weft/nodes: the built-in node types and connection kinds, each by name and as
// lists to register, and the helpers a node type that calls an HTTP service shares with them.
// `api/nodes.api.md` records the whole surface (`pnpm api` rewrites it).
import type { AnyConnectionKind, AnyNodeType } from "@weft/engine";
import { chatCompletion } from "./chat-completion/chat-completion.js";
import { azureAiConnectionKind } from "./connection-kinds/azure-ai/azure-ai.js";
import { customConnectionKind } from "./connection-kinds/custom/custom.js";
import { openAiConnectionKind } from "./connection-kinds/openai/openai.js";
import { serverlessConnectionKind } from "./connection-kinds/serverless/serverless.js";
import { createAzureAiConnection } from "./create-azure-ai-connection/create-azure-ai-connection.js";
import { declareVariable } from "./declare-variable/declare-variable.js";
import { embeddings } from "./embeddings/embeddings.js";

export {
  type ChatCompletionOutput,
  chatCompletion,
  chatCompletionOutputSchema,
} from "./chat-completion/chat-completion.js";
export { type AzureAiConnection, azureAiConnectionKind } from "./connection-kinds/azure-ai/azure-ai.js";
export { type CustomConnection, customConnectionKind } from "./connection-kinds/custom/custom.js";
export { type OpenAiConnection, openAiConnectionKind } from "./connection-kinds/openai/openai.js";
export {
  type ServerlessConnection,
  serverlessConnectionKind,
} from "./connection-kinds/serverless/serverless.js";
export { createAzureAiConnection } from "./create-azure-ai-connection/create-azure-ai-connection.js";
export { declareVariable } from "./declare-variable/declare-variable.js";
export {
  type EmbeddingsOutput,
  embeddings,
  embeddingsOutputSchema,
  MAX_EMBEDDINGS_DIMENSIONS,
  MAX_EMBEDDINGS_INPUT_CHARACTERS,
  MAX_EMBEDDINGS_INPUTS,
} from "./embeddings/embeddings.js";
export {
  isRetryableStatus,
  networkError,
  readErrorBody,
  readRetryAfter,
  type ServiceErrorInfo,
  serviceError,
} from "./service/service-errors.js";

/** Every built-in node type, for `createEngine({ nodeTypes: builtinNodeTypes })`. */
export const builtinNodeTypes: readonly AnyNodeType[] = [
  declareVariable,
  createAzureAiConnection,
  chatCompletion,
  embeddings,
];

/** Every built-in connection kind, for `createEngine({ connectionKinds: builtinConnectionKinds })`. */
export const builtinConnectionKinds: readonly AnyConnectionKind[] = [
  azureAiConnectionKind,
  openAiConnectionKind,
  serverlessConnectionKind,
  customConnectionKind,
];
