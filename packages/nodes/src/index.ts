// The public API of @weft/nodes: the built-in node types and connection kinds, each by name and as
// lists to register, and the helpers a node type that calls an HTTP service shares with them.
// `api/nodes.api.md` records the whole surface (`pnpm api` rewrites it).
import type { AnyConnectionKind, AnyNodeType } from "@weft/engine";
import { chatCompletion } from "./chat-completion/chat-completion.js";
import { azureAiConnectionKind } from "./connection-kinds/azure-ai/azure-ai.js";
import { azureAiSearchConnectionKind } from "./connection-kinds/azure-ai-search/azure-ai-search.js";
import { azureContentSafetyConnectionKind } from "./connection-kinds/azure-content-safety/azure-content-safety.js";
import { customConnectionKind } from "./connection-kinds/custom/custom.js";
import { openAiConnectionKind } from "./connection-kinds/openai/openai.js";
import { serpConnectionKind } from "./connection-kinds/serp/serp.js";
import { serverlessConnectionKind } from "./connection-kinds/serverless/serverless.js";
import { contentSafetyText } from "./content-safety-text/content-safety-text.js";
import { createAzureAiConnection } from "./create-azure-ai-connection/create-azure-ai-connection.js";
import { createConnection } from "./create-connection/create-connection.js";
import { declareVariable } from "./declare-variable/declare-variable.js";
import { embeddings } from "./embeddings/embeddings.js";
import { indexLookup } from "./index-lookup/index-lookup.js";
import { webSearch } from "./web-search/web-search.js";

export {
  type ChatCompletionOutput,
  chatCompletion,
  chatCompletionOutputSchema,
} from "./chat-completion/chat-completion.js";
export { type AzureAiConnection, azureAiConnectionKind } from "./connection-kinds/azure-ai/azure-ai.js";
export {
  type AzureAiSearchConnection,
  azureAiSearchConnectionKind,
} from "./connection-kinds/azure-ai-search/azure-ai-search.js";
export {
  type AzureContentSafetyConnection,
  azureContentSafetyConnectionKind,
} from "./connection-kinds/azure-content-safety/azure-content-safety.js";
export { type CustomConnection, customConnectionKind } from "./connection-kinds/custom/custom.js";
export { type OpenAiConnection, openAiConnectionKind } from "./connection-kinds/openai/openai.js";
export { type SerpConnection, serpConnectionKind } from "./connection-kinds/serp/serp.js";
export {
  type ServerlessConnection,
  serverlessConnectionKind,
} from "./connection-kinds/serverless/serverless.js";
export {
  type ContentSafetyTextOutput,
  contentSafetyText,
  contentSafetyTextOutputSchema,
} from "./content-safety-text/content-safety-text.js";
export { createAzureAiConnection } from "./create-azure-ai-connection/create-azure-ai-connection.js";
export { createConnection, defineCreateConnection } from "./create-connection/create-connection.js";
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
  DEFAULT_LOOKUP_TOP,
  type IndexLookupOutput,
  indexLookup,
  indexLookupOutputSchema,
} from "./index-lookup/index-lookup.js";
export {
  INDEX_QUERY_TYPES,
  type IndexQueryType,
  MAX_LOOKUP_FIELDS,
  MAX_LOOKUP_TEXT_LENGTH,
  MAX_LOOKUP_TOP,
  MAX_VECTOR_DIMENSIONS,
} from "./index-lookup/lookup-input.js";
export {
  isRetryableStatus,
  networkError,
  readErrorBody,
  readRetryAfter,
  type ServiceErrorInfo,
  serviceError,
} from "./service/service-errors.js";
export { type WebSearchOutput, webSearch, webSearchOutputSchema } from "./web-search/web-search.js";

/** Every built-in node type, for `createEngine({ nodeTypes: builtinNodeTypes })`. */
export const builtinNodeTypes: readonly AnyNodeType[] = [
  declareVariable,
  createAzureAiConnection,
  createConnection,
  chatCompletion,
  indexLookup,
  contentSafetyText,
  webSearch,
  embeddings,
];

/** Every built-in connection kind, for `createEngine({ connectionKinds: builtinConnectionKinds })`. */
export const builtinConnectionKinds: readonly AnyConnectionKind[] = [
  azureAiConnectionKind,
  openAiConnectionKind,
  serverlessConnectionKind,
  customConnectionKind,
  azureAiSearchConnectionKind,
  azureContentSafetyConnectionKind,
  serpConnectionKind,
];
