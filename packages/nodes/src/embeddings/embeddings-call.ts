import { FlowError, type TokenUsage } from "@weft/engine";
import type { ModelClientTarget, OpenAiTarget } from "../llm/llm-target.js";
import {
  loadAzureSdk,
  modelClientFor,
  normalizeModelClientError,
  responseError,
} from "../llm/model-client.js";
import { loadOpenAiSdk, normalizeOpenAiError, openAiClientFor } from "../llm/openai-client.js";

/** One embeddings request, independent of the SDK that sends it. */
export interface EmbeddingsCall {
  /** The texts, in order: the service returns one vector per text. */
  input: string[];
  model?: string;
  dimensions?: number;
  apiKey: string;
  /** Aborts at the request's deadline, and when the run ends. */
  signal: AbortSignal;
  /** Most bytes read from the response, success or error body. */
  maxResponseBytes: number;
  nodeId: string;
}

/** What we keep of an embeddings answer: plain data, never the SDK's response object. */
export interface EmbeddingsCallResult {
  embeddings: number[][];
  model: string;
  usage: TokenUsage;
}

/**
 * Embeds with the `openai` SDK: `OpenAI` on OpenAI and the Azure OpenAI v1 API, `AzureOpenAI` on
 * deployment and resource URLs. The SDK asks for base64 and decodes it into 32-bit floats.
 */
export async function embedWithOpenAi(
  target: OpenAiTarget,
  call: EmbeddingsCall,
): Promise<EmbeddingsCallResult> {
  const sdk = loadOpenAiSdk();
  const openai = sdk instanceof Promise ? await sdk : sdk;
  const client = openAiClientFor(openai, target, call);
  const where = { nodeId: call.nodeId, host: target.host };
  const model = call.model ?? (target.kind === "azure-openai-deployment" ? target.deployment : "");
  try {
    const body: unknown = await client.embeddings.create(
      { model, input: call.input, ...(call.dimensions === undefined ? {} : { dimensions: call.dimensions }) },
      { signal: call.signal },
    );
    return readEmbeddings(body, call.input.length, model, where);
  } catch (error) {
    throw normalizeOpenAiError(openai, error, { ...where, signal: call.signal });
  }
}

/** Embeds with `ModelClient` on a Foundry `/models` endpoint or a serverless endpoint (`POST /embeddings`). */
export async function embedWithModelClient(
  target: ModelClientTarget,
  call: EmbeddingsCall,
): Promise<EmbeddingsCallResult> {
  const sdk = loadAzureSdk();
  const azure = sdk instanceof Promise ? await sdk : sdk;
  const client = modelClientFor(azure, target, call);
  const where = { nodeId: call.nodeId, host: target.host };
  try {
    const response = await client.path("/embeddings").post({
      body: {
        input: call.input,
        ...(call.dimensions === undefined ? {} : { dimensions: call.dimensions }),
        ...(call.model === undefined ? {} : { model: call.model }),
      },
      abortSignal: call.signal,
    });
    const body = response.body as unknown;
    if (response.status !== "200") throw responseError(response, body, call.apiKey, where);
    return readEmbeddings(body, call.input.length, call.model ?? "", where);
  } catch (error) {
    throw normalizeModelClientError(error, { ...where, signal: call.signal });
  }
}

/**
 * Reads a 200 embeddings answer, the same way for both SDKs: one vector of finite numbers per
 * input, put in input order by `index`. Anything else fails with `llm.response`, not retried: the
 * service did answer, and asking again would cost quota for the same answer.
 */
export function readEmbeddings(
  body: unknown,
  count: number,
  fallbackModel: string,
  where: { nodeId: string; host: string },
): EmbeddingsCallResult {
  const fail = (what: string): never => {
    throw new FlowError("llm.response", `${where.host} answered 200 with ${what}`, { nodeId: where.nodeId });
  };
  if (body === null || typeof body !== "object" || !Array.isArray((body as { data?: unknown }).data)) {
    return fail('a body that is not an embeddings list (a JSON object with "data")');
  }
  const { data, model, usage } = body as { data: unknown[]; model?: unknown; usage?: unknown };
  if (data.length !== count) {
    return fail(
      `${data.length} ${data.length === 1 ? "vector" : "vectors"} for ${count} ${count === 1 ? "input" : "inputs"}`,
    );
  }
  const embeddings: number[][] = new Array(count);
  for (const [position, item] of data.entries()) {
    const { index = position, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    if (
      typeof index !== "number" ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= count ||
      embeddings[index]
    ) {
      return fail(`a vector at an index that is not one of the inputs' (${String(index)})`);
    }
    if (!isVector(embedding)) return fail(`a vector at index ${index} that is not a list of numbers`);
    embeddings[index] = Array.isArray(embedding) ? embedding : Array.from(embedding);
  }
  return {
    embeddings,
    model: typeof model === "string" && model ? model : fallbackModel,
    usage: readEmbeddingsUsage(usage),
  };
}

function isVector(value: unknown): value is number[] | Float32Array {
  if (value instanceof Float32Array) return value.length > 0;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((component) => typeof component === "number" && Number.isFinite(component))
  );
}

/** Embeddings usage counts prompt tokens only: completion tokens are 0. */
function readEmbeddingsUsage(usage: unknown): TokenUsage {
  const { prompt_tokens, total_tokens } = (usage ?? {}) as Record<string, unknown>;
  const promptTokens = typeof prompt_tokens === "number" ? prompt_tokens : 0;
  return {
    promptTokens,
    completionTokens: 0,
    totalTokens: typeof total_tokens === "number" ? total_tokens : promptTokens,
  };
}
