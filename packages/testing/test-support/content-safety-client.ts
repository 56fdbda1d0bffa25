import { AzureKeyCredential } from "@azure/core-auth";
import ContentSafetyClient from "@azure-rest/ai-content-safety";
import type { LlmServer } from "../src/types.js";

/** `ContentSafetyClient` on the offline server, SDK retries off as in the engine. */
export function contentSafetyClient(
  server: LlmServer,
  apiKey: string,
  options: { apiVersion?: string } = {},
) {
  return ContentSafetyClient(server.url, new AzureKeyCredential(apiKey), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
    ...options,
  });
}

/** Analyses `text` with the real client; the answer's status and body, nothing else of it. */
export async function analyze(
  server: LlmServer,
  apiKey: string,
  body: {
    text: string;
    categories?: string[];
    blocklistNames?: string[];
    haltOnBlocklistHit?: boolean;
    outputType?: string;
  },
  options: { abortSignal?: AbortSignal; timeout?: number } = {},
): Promise<{ status: number; body: unknown; headers: Record<string, string> }> {
  const response = await contentSafetyClient(server, apiKey)
    .path("/text:analyze")
    .post({ body: body as never, ...options });
  return {
    status: Number(response.status),
    body: response.body,
    headers: response.headers as Record<string, string>,
  };
}
