import type { IncomingMessage } from "node:http";
import type { GetChatCompletions, ModelClient } from "@azure-rest/ai-inference";
import { FlowError } from "@weft/engine";
import type { ModelClientTarget } from "../llm/llm-target.js";
import {
  loadAzureSdk,
  modelClientFor,
  normalizeModelClientError,
  parseJson,
  readAll,
  responseError,
} from "../llm/model-client.js";
import { readErrorBody, serviceError } from "../service/service-errors.js";
import {
  type ChatCall,
  type ChatCallResult,
  type ChatStreamChunk,
  readCompletion,
  StreamedCompletion,
} from "./chat-call.js";

type ChatPath = GetChatCompletions;

/** Each client's `/chat/completions` path: `path()` builds an object of nine functions per call. */
const chatPaths = new WeakMap<ModelClient, ChatPath>();

function chatPathOf(client: ModelClient): ChatPath {
  let chat = chatPaths.get(client);
  if (chat === undefined) {
    chat = client.path("/chat/completions");
    chatPaths.set(client, chat);
  }
  return chat;
}

/**
 * Sends a chat completion to an Azure AI Foundry `/models` endpoint or a serverless endpoint with
 * `ModelClient`. The response object carries the request headers (the key): only status, body and
 * retry headers are read from it, and it is never kept, logged or returned.
 */
export async function callModelClient(target: ModelClientTarget, call: ChatCall): Promise<ChatCallResult> {
  const sdk = loadAzureSdk();
  const azure = sdk instanceof Promise ? await sdk : sdk;
  const chat = chatPathOf(modelClientFor(azure, target, call));
  const where = { nodeId: call.nodeId, host: target.host };
  const model = call.body.model ?? "";
  try {
    if (!call.stream) {
      const options: { body: never; abortSignal: AbortSignal; timeout?: number } = {
        body: call.body as never,
        abortSignal: call.signal,
      };
      if (call.timeoutMs !== undefined) options.timeout = call.timeoutMs;
      const response = await chat.post(options);
      const body = response.body as unknown;
      if (response.status !== "200") throw responseError(response, body, call.apiKey, where);
      return readCompletion(body, model, where);
    }
    const response = await chat
      .post({
        body: { ...call.body, stream: true, stream_options: { include_usage: true } } as never,
        abortSignal: call.signal,
        ...(call.timeoutMs === undefined ? {} : { timeout: call.timeoutMs }),
      })
      .asNodeStream();
    const stream = response.body as IncomingMessage | undefined;
    if (response.status !== "200" || !stream) {
      const text = stream ? await readAll(stream) : "";
      throw responseError(response, parseJson(text) ?? text, call.apiKey, where);
    }
    const completion = new StreamedCompletion(model, call.onToken);
    let done = false;
    for await (const event of azure.sse.createSseStream(stream)) {
      if (event.data === "[DONE]") {
        done = true;
        break;
      }
      const chunk = parseJson(event.data) as (ChatStreamChunk & { error?: unknown }) | undefined;
      if (!chunk) {
        throw new FlowError("llm.response", `${target.host} sent a malformed stream event`, {
          nodeId: call.nodeId,
          retryable: true,
        });
      }
      if (chunk.error) {
        const { code, message } = readErrorBody(chunk);
        throw serviceError({ message: message ?? "stream error", ...(code ? { code } : {}) }, where);
      }
      completion.add(chunk);
    }
    if (call.signal.aborted) throw call.signal.reason;
    if (!done && !completion.finished) {
      throw new FlowError("llm.stream", `${target.host} ended the stream before the completion finished`, {
        nodeId: call.nodeId,
        retryable: true,
      });
    }
    return completion.result();
  } catch (error) {
    throw normalizeModelClientError(error, {
      ...where,
      signal: call.signal,
      ...(call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs }),
    });
  }
}
