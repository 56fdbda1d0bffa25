import { chatPrefixes, decodePathSegment } from "../route-prefixes.js";
import type { ChatRoute, EmbeddingsRoute } from "../types.js";

/** An embeddings request's route, its chat wire and the deployment in its path. */
export interface EmbeddingsMatch {
  kind: "embeddings";
  route: EmbeddingsRoute;
  wire: ChatRoute;
  deployment?: string;
}

const deploymentEmbeddingsPath = /^\/openai\/deployments\/([^/]+)\/embeddings$/;

/**
 * Classifies a POST path (trailing slash removed) as an embeddings request on one of the chat
 * wires: the same prefixes as chat completions, `/embeddings` in place of `/chat/completions`.
 */
export function matchEmbeddingsRoute(path: string): EmbeddingsMatch | undefined {
  for (const [prefix, wire] of chatPrefixes) {
    if (path === `${prefix}/embeddings`) return { kind: "embeddings", route: `${wire}-embeddings`, wire };
  }
  const deployment = deploymentEmbeddingsPath.exec(path)?.[1];
  if (deployment === undefined) return undefined;
  return {
    kind: "embeddings",
    route: "azure-deployment-embeddings",
    wire: "azure-deployment",
    deployment: decodePathSegment(deployment),
  };
}
