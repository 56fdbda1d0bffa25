import type { ChatRoute } from "./types.js";

/** The base path of each chat wire: chat completions at `<prefix>/chat/completions`, embeddings at `<prefix>/embeddings`. */
export const chatPrefixes: ReadonlyArray<[prefix: string, route: ChatRoute]> = [
  ["/v1", "openai-v1"],
  ["/openai/v1", "azure-openai-v1"],
  ["/models", "foundry-models"],
  ["", "serverless"],
];

/** A path segment decoded, or as sent when it is not valid percent-encoding. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
