import type { ChatRoute, EmbeddingsRoute } from "../route-names.js";

/**
 * What a scripted embeddings function receives: the parsed request, never the key. Embeddings
 * requests are told apart from chat requests by `operation`.
 */
export interface EmbeddingsRequestInfo {
  /** Always `embeddings`: what tells this request from a `ChatRequestInfo`. */
  operation: "embeddings";
  /** Which URL shape the request used. */
  route: EmbeddingsRoute;
  /** The chat route of the same client construction (`openai-v1`, `foundry-models`, …). */
  wire: ChatRoute;
  /** The deployment name from `/openai/deployments/<deployment>/…`, if the route has one. */
  deployment?: string;
  /** `model` from the request body, if any. */
  model?: string;
  /** The name that answers: the body's `model`, else the deployment, else `offline-embedding` (serverless). */
  modelOrDeployment: string;
  /** The `api-version` query parameter, if any. */
  apiVersion?: string;
  /** The name of the key that authenticated the request, when keys were given as a record. */
  keyName?: string;
  /** The texts to embed, in order (a single string `input` becomes one text). */
  input: string[];
  /** `dimensions` from the body, if given. */
  dimensions?: number;
  /** `encoding_format` from the body: `float` (the default) or `base64`. */
  encodingFormat: "float" | "base64";
  /** The whole parsed request body. */
  body: Record<string, unknown>;
}
