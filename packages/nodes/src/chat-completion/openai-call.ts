import { FlowError } from "@weft/engine";
import type { OpenAI } from "openai";
import type { OpenAiTarget } from "../llm/llm-target.js";
import { loadOpenAiSdk, normalizeOpenAiError, openAiClientFor } from "../llm/openai-client.js";
import { type ChatCall, type ChatCallResult, readCompletion, StreamedCompletion } from "./chat-call.js";

/**
 * Sends a chat completion with the `openai` SDK: `AzureOpenAI` for Azure OpenAI deployment and
 * resource URLs, `OpenAI` otherwise.
 */
export async function callOpenAi(target: OpenAiTarget, call: ChatCall): Promise<ChatCallResult> {
  const sdk = loadOpenAiSdk();
  const openai = sdk instanceof Promise ? await sdk : sdk;
  const client = openAiClientFor(openai, target, call);
  const where = { nodeId: call.nodeId, host: target.host };
  const model = call.body.model ?? (target.kind === "azure-openai-deployment" ? target.deployment : "");
  const body = { ...call.body, model } as OpenAI.ChatCompletionCreateParamsNonStreaming;
  const options: { signal: AbortSignal; timeout?: number } = { signal: call.signal };
  if (call.timeoutMs !== undefined) options.timeout = call.timeoutMs;
  try {
    if (!call.stream) {
      // The SDK hands back whatever a 200 holds, unchecked: `null`, text, any JSON.
      const completion: unknown = await client.chat.completions.create(body, options);
      return readCompletion(completion, model, where);
    }
    const stream = await client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      options,
    );
    const completion = new StreamedCompletion(model, call.onToken);
    for await (const chunk of stream) completion.add(chunk);
    // The SDK ends an aborted stream silently.
    if (call.signal.aborted) throw call.signal.reason;
    if (!completion.finished) {
      throw new FlowError("llm.stream", `${target.host} ended the stream before the completion finished`, {
        nodeId: call.nodeId,
        retryable: true,
      });
    }
    return completion.result();
  } catch (error) {
    throw normalizeOpenAiError(openai, error, { ...where, signal: call.signal, ...timeoutOf(call) });
  }
}

function timeoutOf(call: ChatCall): { timeoutMs?: number } {
  return call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs };
}
