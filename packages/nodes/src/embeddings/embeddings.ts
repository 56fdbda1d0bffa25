import { defineNodeType, FlowError, type ResolvedConnection } from "@weft/engine";
import { z } from "zod";
import { azureAiConnectionKind } from "../connection-kinds/azure-ai/azure-ai.js";
import { openAiConnectionKind } from "../connection-kinds/openai/openai.js";
import { serverlessConnectionKind } from "../connection-kinds/serverless/serverless.js";
import {
  checkModelInput,
  describeTarget,
  isLlmConnection,
  isModelClientTarget,
  LLM_TARGET_KINDS,
  type LlmTarget,
  missingModelMessage,
  needsModel,
} from "../llm/llm-target.js";
import { type EmbeddingsCall, embedWithModelClient, embedWithOpenAi } from "./embeddings-call.js";

/** Most texts one embeddings node sends in its request: the OpenAI and Azure OpenAI limit per request. */
export const MAX_EMBEDDINGS_INPUTS = 2048;

/** Most characters of all the texts of one embeddings node together (4 Mi). */
export const MAX_EMBEDDINGS_INPUT_CHARACTERS = 4 * 1024 * 1024;

/** Largest `dimensions` an embeddings node asks for. */
export const MAX_EMBEDDINGS_DIMENSIONS = 16_384;

const text = z.string().min(1, "expected a non-empty text");

const inputSchema = z
  .object({
    input: z
      .union(
        [
          text,
          z
            .array(text)
            .min(1, "expected at least one text")
            .max(MAX_EMBEDDINGS_INPUTS, `expected at most ${MAX_EMBEDDINGS_INPUTS} texts`),
        ],
        {
          error: `expected a non-empty text or a list of 1 to ${MAX_EMBEDDINGS_INPUTS} non-empty texts`,
        },
      )
      .describe(
        `The text to embed, or a list of texts (at most ${MAX_EMBEDDINGS_INPUTS}, ${MAX_EMBEDDINGS_INPUT_CHARACTERS} characters in all).`,
      ),
    model: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The embedding model or deployment; required for Foundry, Azure OpenAI resource URLs and OpenAI, optional for deployment URLs and serverless endpoints.",
      ),
    dimensions: z
      .number()
      .int()
      .positive()
      .max(MAX_EMBEDDINGS_DIMENSIONS)
      .optional()
      .describe("The length of each vector, for models that can shorten theirs (text-embedding-3-*)."),
  })
  .strict()
  .superRefine((input, context) => {
    const texts = typeof input.input === "string" ? [input.input] : input.input;
    const characters = texts.reduce((sum, item) => sum + item.length, 0);
    if (characters > MAX_EMBEDDINGS_INPUT_CHARACTERS) {
      context.addIssue({
        code: "custom",
        path: ["input"],
        message: `expected at most ${MAX_EMBEDDINGS_INPUT_CHARACTERS} characters of text in all, got ${characters}`,
      });
    }
  });

/** What an embeddings node outputs, as a schema: for apps that check the results they read. */
export const embeddingsOutputSchema = z.object({
  embeddings: z.array(z.array(z.number())).describe("One vector per input text, in input order."),
  embedding: z.array(z.number()).describe("The first vector: the one vector of a single text."),
  model: z.string().describe("The model that answered, as the service names it."),
  usage: z
    .object({ promptTokens: z.number(), completionTokens: z.number(), totalTokens: z.number() })
    .describe("Tokens counted by the service (completion tokens are 0)."),
  connection: z
    .object({
      source: z.enum(["dynamic", "static"]),
      kind: z.enum(LLM_TARGET_KINDS),
      host: z.string(),
      name: z.string().optional(),
    })
    .describe("Which connection answered: never the key."),
});

/** What an embeddings node outputs. */
export type EmbeddingsOutput = z.infer<typeof embeddingsOutputSchema>;

/**
 * Turns texts into vectors through the real SDKs, on the connection the override rule chooses: a
 * dynamic connection wins over the static one.
 */
export const embeddings = defineNodeType({
  type: "embeddings",
  description: "Turns a text, or a list of texts, into embedding vectors.",
  input: inputSchema,
  output: embeddingsOutputSchema,
  usesConnection: true,
  checkConnection: checkModelInput,
  connectionKinds: [azureAiConnectionKind, openAiConnectionKind, serverlessConnectionKind],
  retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 20_000 },
  async run(input, context): Promise<EmbeddingsOutput> {
    const service = await context.connection();
    const { connection } = service;
    if (!isLlmConnection(connection)) {
      throw new FlowError(
        "connection.invalid",
        `embeddings needs an azure-ai, openai or serverless connection, got a ${connection.type} one`,
        { nodeId: context.nodeId },
      );
    }
    const target = describeTarget(connection, context.nodeId);
    if (!input.model && needsModel(target)) {
      throw new FlowError("node.input", missingModelMessage(target), { nodeId: context.nodeId });
    }
    const apiKey = connection.apiKey.reveal();
    const texts = typeof input.input === "string" ? [input.input] : input.input;
    // The request's deadline (requestTimeoutMs) is in the signal the slot hands over.
    const result = await service.call(
      (signal) => {
        const call: EmbeddingsCall = {
          input: texts,
          ...(input.model ? { model: input.model } : {}),
          ...(input.dimensions === undefined ? {} : { dimensions: input.dimensions }),
          apiKey,
          signal,
          maxResponseBytes: context.maxResponseBytes,
          nodeId: context.nodeId,
        };
        return isModelClientTarget(target)
          ? embedWithModelClient(target, call)
          : embedWithOpenAi(target, call);
      },
      // Counted against tokensPerMinute before the request: about four characters a token.
      { tokens: Math.ceil(texts.reduce((sum, text) => sum + text.length, 0) / 4) },
    );
    service.reportUsage(result.usage ?? null, {
      deployment: target.kind === "azure-openai-deployment" ? target.deployment : input.model,
      model: result.model,
    });
    return {
      embeddings: result.embeddings,
      embedding: result.embeddings[0] ?? [],
      model: result.model,
      usage: result.usage,
      connection: describeConnection(service, target),
    };
  },
});

function describeConnection(resolved: ResolvedConnection, target: LlmTarget): EmbeddingsOutput["connection"] {
  return {
    source: resolved.source,
    kind: target.kind,
    host: target.host,
    ...(resolved.name ? { name: resolved.name } : {}),
  };
}
