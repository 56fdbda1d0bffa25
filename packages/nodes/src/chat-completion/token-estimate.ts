import type { ChatRequestBody } from "./chat-request.js";

/** Completion tokens assumed for a request that sets no `max_tokens`. */
export const DEFAULT_COMPLETION_ESTIMATE = 256;

/**
 * The tokens a chat request is expected to use, counted against the connection's `tokensPerMinute`
 * before it is sent: a quarter of the characters of its messages (about four characters a token in
 * English), plus `max_tokens` (the most the answer may use), or `DEFAULT_COMPLETION_ESTIMATE`
 * without it. Once the service answers, the real count replaces the estimate.
 */
export function estimateTokens(body: ChatRequestBody): number {
  let characters = 0;
  for (const message of body.messages) characters += message.content.length;
  return Math.ceil(characters / 4) + (body.max_tokens ?? DEFAULT_COMPLETION_ESTIMATE);
}
