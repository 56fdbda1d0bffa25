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
import type { ChatCall } from "./chat-call.js";
import type { ChatMessage, ChatRequestBody } from "./chat-request.js";
import { callModelClient } from "./model-client-call.js";
import { callOpenAi } from "./openai-call.js";
import { estimateTokens } from "./token-estimate.js";

const messageSchema = z
  .object({
    role: z.enum(["system", "user", "assistant"]),
    content: z.string(),
  })
  .strict();

const inputSchema = z
  .object({
    model: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The model or deployment; required for Foundry, Azure OpenAI resource URLs and OpenAI, optional for deployment URLs and serverless endpoints.",
      ),
    messages: z.array(messageSchema).optional().describe("The conversation; contents may hold references."),
    system: z.string().optional().describe("A system prompt, put first."),
    prompt: z.string().optional().describe("A user message, put last."),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    topP: z.number().min(0).max(1).optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
    responseFormat: z.enum(["text", "json"]).optional(),
    stream: z
      .boolean()
      .optional()
      .describe(
        "Stream tokens as node:token events; unset, the run decides (RunOptions.stream, weft run --stream).",
      ),
    resultVariable: z.string().optional().describe("A variable to write the answer's text to."),
  })
  .strict()
  .refine((input) => (input.messages?.length ?? 0) > 0 || input.prompt !== undefined, {
    message: 'expected "messages" or "prompt"',
  });

/** What a chat completion node outputs, as a schema: for apps that check the results they read. */
export const chatCompletionOutputSchema = z.object({
  content: z.string().describe("The answer's text."),
  finishReason: z.string().nullable().describe("Why the model stopped: stop, length, content_filter, ..."),
  model: z.string().describe("The model that answered, as the service names it."),
  usage: z
    .object({
      promptTokens: z.number().nullable(),
      completionTokens: z.number().nullable(),
      totalTokens: z.number().nullable(),
    })
    .describe("Tokens counted by the service; null when the service did not report them (not zero)."),
  connection: z
    .object({
      source: z.enum(["dynamic", "static"]),
      kind: z.enum(LLM_TARGET_KINDS),
      host: z.string(),
      name: z.string().optional(),
    })
    .describe("Which connection answered: never the key."),
});

/** What a chat completion node outputs. */
export type ChatCompletionOutput = z.infer<typeof chatCompletionOutputSchema>;

/**
 * Asks a chat model for a completion through the real SDKs, with the connection chosen by the
 * override rule: a dynamic connection wins over the static one.
 */
export const chatCompletion = defineNodeType({
  type: "chat-completion",
  description: "Sends messages to a chat model and returns its answer.",
  input: inputSchema,
  output: chatCompletionOutputSchema,
  usesConnection: true,
  checkConnection: checkModelInput,
  connectionKinds: [azureAiConnectionKind, openAiConnectionKind, serverlessConnectionKind],
  writes: { input: "resultVariable", value: (output: ChatCompletionOutput) => output.content },
  retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 20_000 },
  async run(input, context): Promise<ChatCompletionOutput> {
    const service = await context.connection();
    const { connection } = service;
    if (!isLlmConnection(connection)) {
      throw new FlowError(
        "connection.invalid",
        `chat-completion needs an azure-ai, openai or serverless connection, got a ${connection.type} one`,
        { nodeId: context.nodeId },
      );
    }
    const target = describeTarget(connection, context.nodeId);
    if (!input.model && needsModel(target)) {
      throw new FlowError("node.input", missingModelMessage(target), { nodeId: context.nodeId });
    }
    const body = buildRequestBody(input);
    const apiKey = connection.apiKey.reveal();
    // The request's deadline (requestTimeoutMs) is in the signal the slot hands over.
    const result = await service.call(
      (signal) => {
        const call: ChatCall = {
          body,
          stream: input.stream ?? context.stream,
          apiKey,
          signal,
          maxResponseBytes: context.maxResponseBytes,
          onToken: (token) => context.emit(token),
          nodeId: context.nodeId,
        };
        return isModelClientTarget(target) ? callModelClient(target, call) : callOpenAi(target, call);
      },
      { tokens: estimateTokens(body) },
    );
    service.reportUsage(result.usage ?? null, {
      deployment: target.kind === "azure-openai-deployment" ? target.deployment : body.model,
      model: result.model,
    });
    return {
      content: result.content,
      finishReason: result.finishReason,
      model: result.model,
      usage: result.usage ?? { promptTokens: null, completionTokens: null, totalTokens: null },
      connection: describeConnection(service, target),
    };
  },
});

/**
 * The request body in wire format, fields in the order the SDKs would send them. Assigned one by
 * one rather than spread from conditional literals: this runs for every request.
 */
function buildRequestBody(input: z.output<typeof inputSchema>): ChatRequestBody {
  const messages: ChatMessage[] = [];
  if (input.system !== undefined && !input.messages?.some((message) => message.role === "system")) {
    messages.push({ role: "system", content: input.system });
  }
  if (input.messages) for (const message of input.messages) messages.push(message);
  if (input.prompt !== undefined) messages.push({ role: "user", content: input.prompt });
  const body: ChatRequestBody = input.model ? { model: input.model, messages } : { messages };
  if (input.temperature !== undefined) body.temperature = input.temperature;
  if (input.maxTokens !== undefined) body.max_tokens = input.maxTokens;
  if (input.topP !== undefined) body.top_p = input.topP;
  if (input.stop !== undefined) body.stop = input.stop;
  if (input.responseFormat === "json") body.response_format = { type: "json_object" };
  return body;
}

function describeConnection(
  resolved: ResolvedConnection,
  target: LlmTarget,
): ChatCompletionOutput["connection"] {
  return {
    source: resolved.source,
    kind: target.kind,
    host: target.host,
    ...(resolved.name ? { name: resolved.name } : {}),
  };
}
