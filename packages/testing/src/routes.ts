import type { ContentSafetyRoute } from "./content-safety/types.js";
import { type EmbeddingsMatch, matchEmbeddingsRoute } from "./embeddings/embeddings-routes.js";
import { chatPrefixes, decodePathSegment } from "./route-prefixes.js";
import { matchSerpRoute } from "./serp/serp-routes.js";
import type { SerpRoute } from "./serp/serp-types.js";
import type { ChatRoute, RouteName } from "./types.js";

/** Where a request goes: a chat completion or embeddings on one of the URL shapes, the model info, or nowhere. */
export type MatchedRoute =
  | { kind: "chat"; route: ChatRoute; deployment?: string }
  | EmbeddingsMatch
  | { kind: "models-info"; route: "models-info" | "serverless-info" }
  | { kind: "content-safety"; route: ContentSafetyRoute }
  | { kind: "serp"; route: SerpRoute }
  | { kind: "not-found"; route: Extract<RouteName, "not-found"> };

const deploymentChatPath = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

/**
 * Classifies a request by method and path (without the query). A trailing slash is tolerated, as the
 * SDKs normalise base URLs with and without one.
 */
export function matchRoute(method: string, path: string): MatchedRoute {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  if (method === "GET" && trimmed === "/models/info") {
    return { kind: "models-info", route: "models-info" };
  }
  if (method === "GET" && trimmed === "/contentsafety/text/blocklists") {
    return { kind: "content-safety", route: "content-safety-blocklists" };
  }
  if (method === "GET" && trimmed === "/info") return { kind: "models-info", route: "serverless-info" };
  if (method === "POST") {
    if (trimmed === "/contentsafety/text:analyze") {
      return { kind: "content-safety", route: "content-safety-analyze-text" };
    }
    for (const [prefix, route] of chatPrefixes) {
      if (trimmed === `${prefix}/chat/completions`) return { kind: "chat", route };
    }
    const deployment = deploymentChatPath.exec(trimmed)?.[1];
    if (deployment !== undefined) {
      return { kind: "chat", route: "azure-deployment", deployment: decodePathSegment(deployment) };
    }
    const embeddings = matchEmbeddingsRoute(trimmed);
    if (embeddings) return embeddings;
  }
  const serp = matchSerpRoute(method, trimmed);
  if (serp !== undefined) return { kind: "serp", route: serp };
  return { kind: "not-found", route: "not-found" };
}

/** Whether a route belongs to Azure (and so answers errors in Azure's shape). */
export function isAzureRoute(route: RouteName): boolean {
  return (
    route === "azure-deployment" ||
    route === "azure-openai-v1" ||
    route === "foundry-models" ||
    route === "serverless"
  );
}
