import { isLoopbackHost, parseServiceUrl } from "../service-url.js";

/** The Azure OpenAI api-version used when neither the connection nor the URL gives one. */
export const DEFAULT_AZURE_OPENAI_API_VERSION = "2024-10-21";

/** The endpoint shapes an `azure-ai` connection accepts. */
export type AzureEndpoint =
  | {
      /** Azure AI Foundry models endpoint: one connection serves every deployment; `model` picks one. */
      kind: "foundry-models";
      /** The endpoint without query or trailing slash, ending in `/models`. */
      url: string;
      host: string;
      apiVersion?: string;
    }
  | {
      /** Azure OpenAI deployment URL: the deployment is part of the endpoint. */
      kind: "azure-openai-deployment";
      /** The endpoint without query or trailing slash, ending in `/openai/deployments/<name>`. */
      url: string;
      host: string;
      deployment: string;
      apiVersion?: string;
    }
  | {
      /**
       * Azure OpenAI resource URL, as the portal shows it: one connection serves every deployment of
       * the resource; the node's `model` names the deployment (sent on the deployments route).
       */
      kind: "azure-openai-resource";
      /** The resource's origin (`https://<resource>.openai.azure.com`), without path or slash. */
      url: string;
      host: string;
      apiVersion?: string;
    };

/** What the user is shown when an endpoint has none of the accepted shapes. */
export const ACCEPTED_ENDPOINT_SHAPES =
  "https://<resource>.services.ai.azure.com/models (Azure AI Foundry), " +
  "https://<resource>.openai.azure.com/openai/deployments/<deployment> (Azure OpenAI) or " +
  "the resource URL https://<resource>.openai.azure.com/ (the node's model names the deployment)";

/**
 * Hosts whose bare URL is an Azure OpenAI resource (public and sovereign clouds). A bare URL on
 * another host is not taken for one: it could be anything.
 */
const RESOURCE_HOST =
  /\.(openai\.azure\.(com|us|cn)|cognitiveservices\.azure\.(com|us|cn)|services\.ai\.azure\.com)$/i;

/** Azure AI serverless API endpoints (`https://<name>.<region>.models.ai.azure.com`). */
const SERVERLESS_HOST = /\.models\.ai\.azure\.com$/i;

/**
 * Classifies an Azure AI endpoint as a Foundry `/models` endpoint, an Azure OpenAI deployment URL
 * or an Azure OpenAI resource URL, or throws a `FlowError` that shows the accepted shapes and the
 * value it got.
 */
export function classifyAzureEndpoint(
  endpoint: string,
  where: { nodeId?: string; path?: string } = {},
): AzureEndpoint {
  // Many runs build connections to the same few endpoints: parse each once.
  const known = classified.get(endpoint);
  if (known) return known;
  const result = Object.freeze(classify(endpoint, where));
  if (classified.size >= CLASSIFIED_CAPACITY) classified.delete(classified.keys().next().value as string);
  classified.set(endpoint, result);
  return result;
}

const CLASSIFIED_CAPACITY = 256;
const classified = new Map<string, AzureEndpoint>();

function classify(endpoint: string, where: { nodeId?: string; path?: string }): AzureEndpoint {
  const { url, fail } = parseServiceUrl(endpoint, ACCEPTED_ENDPOINT_SHAPES, where);
  const apiVersion = url.searchParams.get("api-version") ?? undefined;
  const path = url.pathname.replace(/\/+$/, "");
  const base = `${url.protocol}//${url.host}`;
  const withVersion = <T extends object>(value: T): T & { apiVersion?: string } =>
    apiVersion === undefined ? value : { ...value, apiVersion };
  if (/\/models$/i.test(path)) {
    return withVersion({ kind: "foundry-models" as const, url: `${base}${path}`, host: url.host });
  }
  const deployment = /\/openai\/deployments\/([^/]+)$/i.exec(path);
  if (deployment?.[1]) {
    return withVersion({
      kind: "azure-openai-deployment" as const,
      url: `${base}${path}`,
      host: url.host,
      deployment: decodeURIComponent(deployment[1]),
    });
  }
  if (path === "" || /^\/openai$/i.test(path)) {
    if (SERVERLESS_HOST.test(url.hostname)) {
      fail("this is an Azure AI serverless endpoint: use a serverless connection for it");
    }
    if (RESOURCE_HOST.test(url.hostname) || isLoopbackHost(url.hostname)) {
      return withVersion({ kind: "azure-openai-resource" as const, url: base, host: url.host });
    }
  }
  return fail("unrecognised Azure AI endpoint");
}
