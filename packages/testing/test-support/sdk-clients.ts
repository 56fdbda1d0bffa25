import { AzureKeyCredential } from "@azure/core-auth";
import { createSseStream, type NodeJSReadableStream } from "@azure/core-sse";
import ModelClient from "@azure-rest/ai-inference";
import OpenAI, { AzureOpenAI } from "openai";
import type { LlmServer } from "../src/types.js";

/** The key the tests use; the server logs must never contain it. */
export const testKey = "test-key-123";

/** The request body of the recorded wire fixtures. */
export const helloMessages = [
  { role: "system" as const, content: "You are terse." },
  { role: "user" as const, content: "Say hello." },
];

/** `new OpenAI` on `/v1`, SDK retries off as in the engine. */
export function openaiClient(server: LlmServer, apiKey = testKey): OpenAI {
  return new OpenAI({ apiKey, baseURL: server.url + "/v1", maxRetries: 0 });
}

/** `new OpenAI` on the Azure OpenAI v1 API path. */
export function azureV1Client(server: LlmServer, apiKey = testKey): OpenAI {
  return new OpenAI({ apiKey, baseURL: server.url + "/openai/v1", maxRetries: 0 });
}

/** `new AzureOpenAI` on a deployment URL, as the engine builds it. */
export function azureOpenAIClient(
  server: LlmServer,
  apiKey = testKey,
  deployment = "gpt-4o-mini",
): AzureOpenAI {
  return new AzureOpenAI({
    baseURL: `${server.url}/openai/deployments/${deployment}`,
    apiKey,
    apiVersion: "2024-10-21",
    maxRetries: 0,
  });
}

/** `ModelClient` on the Foundry `/models` endpoint (or another path), SDK retries off. */
export function modelClient(server: LlmServer, apiKey = testKey, path = "/models") {
  return ModelClient(server.url + path, new AzureKeyCredential(apiKey), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
}

/** The `data` of every event of a `ModelClient` stream, up to and including `[DONE]`. */
export async function readSseData(body: NodeJSReadableStream): Promise<string[]> {
  const data: string[] = [];
  for await (const event of createSseStream(body)) {
    data.push(event.data);
    if (event.data === "[DONE]") break;
  }
  return data;
}

/** Concatenated `delta.content` of parsed chunks; chunks without choices are skipped. */
export function streamedText(
  chunks: ReadonlyArray<{ choices: ReadonlyArray<{ delta?: { content?: string | null } }> }>,
) {
  return chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
}

/**
 * Polls until `condition` holds. Gives up after `timeoutMs` (10 s unless told), well within the
 * test's own timeout, with an error saying `what` it waited for.
 */
export async function waitUntil(
  condition: () => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const { timeoutMs = 10_000, what = "the condition" } = options;
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
