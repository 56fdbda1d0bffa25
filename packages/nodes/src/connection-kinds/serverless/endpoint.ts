import { parseServiceUrl } from "../service-url.js";

/** What the user is shown when a serverless endpoint is not one. */
export const SERVERLESS_ENDPOINT_SHAPE = "https://<name>.<region>.models.ai.azure.com";

/** A serverless endpoint, parsed: where the client is pointed, and whether plain http is allowed. */
export interface ServerlessEndpoint {
  /** The endpoint without query or trailing slash: chat at `<url>/chat/completions`. */
  url: string;
  host: string;
  /** The `?api-version=` of the URL, if it has one. */
  apiVersion?: string;
  /** `http://` on this machine (tests, local servers). */
  insecure: boolean;
}

/**
 * Parses an Azure AI serverless API endpoint (models as a service): an https URL, or http on this
 * machine, without credentials. Its path is kept (the API is served at the root, but a gateway may
 * add a prefix); `/chat/completions` pasted at the end is removed. Throws a `FlowError` otherwise.
 */
export function parseServerlessEndpoint(
  endpoint: string,
  where: { nodeId?: string; path?: string } = {},
): ServerlessEndpoint {
  const { url, insecure, fail } = parseServiceUrl(endpoint, SERVERLESS_ENDPOINT_SHAPE, where);
  const path = url.pathname.replace(/\/+$/, "").replace(/\/chat\/completions$/i, "");
  if (/\/models$/i.test(path) || /\/openai\/deployments\//i.test(path)) {
    fail("this is an Azure AI Foundry or Azure OpenAI endpoint: use an azure-ai connection for it");
  }
  const apiVersion = url.searchParams.get("api-version") ?? undefined;
  return {
    url: `${url.protocol}//${url.host}${path}`,
    host: url.host,
    insecure,
    ...(apiVersion === undefined ? {} : { apiVersion }),
  };
}
