import { createHash } from "node:crypto";
import type { ChatRequestInfo } from "./types.js";

/** `created` of every reply: fixed, so that snapshots of replies are stable. */
export const offlineCreated = 1732000000;

/** `system_fingerprint` of every reply. */
export const offlineSystemFingerprint = "fp_offline";

/** Longest excerpt of the user's message quoted in the default reply. */
export const quotedMessageLength = 80;

/** Token counts, `usage` in the services' replies. */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * The reply when no rule gives one: readable, and derived only from the request so that it is the same
 * on every run. With `response_format` `json_object` or `json_schema` it is a JSON object string.
 */
export function defaultReply(request: ChatRequestInfo): string {
  const text =
    request.lastUserMessage === undefined
      ? `Offline reply from ${request.modelOrDeployment}.`
      : `Offline reply from ${request.modelOrDeployment}: "${quote(request.lastUserMessage)}"`;
  return wantsJson(request) ? JSON.stringify({ reply: text }) : text;
}

/** Whether the request asked for a JSON object as the reply. */
export function wantsJson(request: ChatRequestInfo): boolean {
  return request.responseFormat === "json_object" || request.responseFormat === "json_schema";
}

/** Whitespace collapsed, cut to `quotedMessageLength` characters with an ellipsis. */
function quote(message: string): string {
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length <= quotedMessageLength ? flat : flat.slice(0, quotedMessageLength - 1) + "…";
}

/** A rough, deterministic token count: the number of whitespace-separated words. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word !== "").length;
}

/** Prompt tokens are the words of all messages, completion tokens the words of the reply. */
export function usageFor(request: ChatRequestInfo, reply: string): TokenUsage {
  const promptTokens = request.messages.reduce((sum, message) => sum + countWords(message.content), 0);
  const completionTokens = countWords(reply);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** `chatcmpl-` + a hash of what was asked, so the same request gets the same id. */
export function completionId(request: ChatRequestInfo): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([request.modelOrDeployment, request.messages]))
    .digest("hex");
  return `chatcmpl-${digest.slice(0, 24)}`;
}

/** The non-streaming `chat.completion` body, with the fields in the services' order. */
export function buildCompletion(request: ChatRequestInfo, reply: string): Record<string, unknown> {
  return {
    id: completionId(request),
    object: "chat.completion",
    created: offlineCreated,
    model: request.modelOrDeployment,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: reply, refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: usageFor(request, reply),
    system_fingerprint: offlineSystemFingerprint,
  };
}

/** `/models/info` of the Foundry models endpoint. */
export function buildModelInfo(): Record<string, unknown> {
  return { model_name: "offline-model", model_type: "chat-completion", model_provider_name: "Weft" };
}
