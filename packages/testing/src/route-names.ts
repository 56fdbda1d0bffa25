/** The URL shapes the server answers, one per kind of client construction. */
export type ChatRoute =
  /** `POST /v1/chat/completions`: `new OpenAI({ baseURL: url + "/v1" })` and compatible servers. */
  | "openai-v1"
  /** `POST /openai/v1/chat/completions`: the Azure OpenAI "v1 API". */
  | "azure-openai-v1"
  /** `POST /models/chat/completions`: Azure AI Foundry models endpoint (`ModelClient`). */
  | "foundry-models"
  /** `POST /openai/deployments/<deployment>/chat/completions`: classic Azure OpenAI (`AzureOpenAI`). */
  | "azure-deployment"
  /** `POST /chat/completions` at the root: an Azure AI serverless endpoint (`ModelClient`). */
  | "serverless";

/**
 * The embeddings URL shapes: `/v1/embeddings`, `/openai/v1/embeddings`, `/models/embeddings`,
 * `/openai/deployments/<deployment>/embeddings` and `/embeddings` (serverless), named after the
 * chat route of the same client construction.
 */
export type EmbeddingsRoute = `${ChatRoute}-embeddings`;
