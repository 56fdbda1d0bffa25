import { completionId, offlineCreated, offlineSystemFingerprint, usageFor } from "./replies.js";
import type { ChatRequestInfo } from "./types.js";

/** The last event of a complete stream. */
export const doneEvent = "[DONE]";

/** One server-sent event carrying `data` (a JSON text or `[DONE]`), as both SDKs parse it. */
export function formatSseEvent(data: string): string {
  return `data: ${data}\n\n`;
}

/**
 * The `data` of every event of a streamed reply, `[DONE]` excluded, in the services' shapes:
 * Azure deployments first send a chunk with `choices: []` and `prompt_filter_results`; then a role
 * chunk, the content chunks, a finish chunk, and, with `include_usage`, a usage chunk (when usage is
 * included, the other chunks carry `"usage": null`).
 */
export function buildStreamEvents(request: ChatRequestInfo, reply: string): string[] {
  const id = completionId(request);
  const head = {
    id,
    object: "chat.completion.chunk",
    created: offlineCreated,
    model: request.modelOrDeployment,
    system_fingerprint: offlineSystemFingerprint,
  };
  const usageField = request.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...usageField,
  });

  const chunks: unknown[] = [];
  if (request.route === "azure-deployment") chunks.push(promptFilterChunk());
  chunks.push(chunk({ role: "assistant", content: "" }, null));
  for (const piece of splitReply(reply)) chunks.push(chunk({ content: piece }, null));
  chunks.push(chunk({}, "stop"));
  if (request.includeUsage) chunks.push({ ...head, choices: [], usage: usageFor(request, reply) });
  return chunks.map((value) => JSON.stringify(value));
}

/**
 * Cuts a reply into word-sized pieces, each with the whitespace before it, like tokens; joined, the
 * pieces are the reply again.
 */
export function splitReply(reply: string): string[] {
  const pieces = reply.match(/\s*\S+/g) ?? [];
  const rest = reply.slice(pieces.join("").length);
  if (rest === "") return pieces;
  if (pieces.length === 0) return [rest];
  pieces[pieces.length - 1] += rest;
  return pieces;
}

/** The `{"error":{…}}` event a service sends when it fails after the stream has started. */
export function buildStreamErrorEvent(options: { message?: string; code?: string }): string {
  const code = options.code ?? "server_error";
  return JSON.stringify({
    error: {
      message: options.message ?? "The server had an error while processing your request.",
      type: code,
      code,
    },
  });
}

function promptFilterChunk(): Record<string, unknown> {
  return {
    id: "",
    object: "",
    created: 0,
    model: "",
    choices: [],
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
  };
}
