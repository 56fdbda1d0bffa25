import type { ContentSafetyRoute } from "./content-safety/types.js";
import { matchSerpRoute } from "./serp/serp-routes.js";
import type { SerpRoute } from "./serp/serp-types.js";
import type { ChatRoute, RouteName } from "./types.js";

/** Where a request goes: a chat completion on one of the URL shapes, the model info, or nowhere. */
export type MatchedRoute =
  | { kind: "chat"; route: ChatRoute; deployment?: string }
  | { kind: "models-info"; route: "models-info" }
  | { kind: "content-safety"; route: ContentSafetyRoute }
  | { kind: "serp"; route: SerpRoute }
  | { kind: "not-found"; route: Extract<RouteName, "not-found"> };

const chatPrefixes: ReadonlyArray<[prefix: string, route: ChatRoute]> = [
  ["/v1", "openai-v1"],
  ["/openai/v1", "azure-openai-v1"],
  ["/models", "foundry-models"],
];

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
  }
  const serp = matchSerpRoute(method, trimmed);
  if (serp !== undefined) return { kind: "serp", route: serp };
  return { kind: "not-found", route: "not-found" };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Whether a route belongs to Azure (and so answers errors in Azure's shape). */
export function isAzureRoute(route: RouteName): boolean {
  return route === "azure-deployment" || route === "azure-openai-v1" || route === "foundry-models";
}
