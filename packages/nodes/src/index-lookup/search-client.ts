import type { SearchClient, SearchIndexClient } from "@azure/search-documents";
import { ClientCache } from "../chat-completion/chat-call.js";
import { createResponseSizePolicy } from "../chat-completion/response-size-limit.js";
import type { SearchEndpoint } from "../connection-kinds/azure-ai-search/endpoint.js";
import { createSearchAnswerPolicy } from "./search-answer-error.js";

type SearchSdk = typeof import("@azure/search-documents");
let sdk: Promise<SearchSdk> | undefined;
/** Loaded on first use, so that `weft run` of a flow without search nodes starts fast. */
function loadSdk(): Promise<SearchSdk> {
  sdk ??= import("@azure/search-documents");
  return sdk;
}

/** Where and how a search request goes; the key is revealed only here, into the SDK's credential. */
export interface SearchTarget {
  endpoint: SearchEndpoint;
  apiKey: string;
  apiVersion?: string;
  /** Most bytes read from any response body (the engine's `maxResponseBytes`). */
  maxResponseBytes: number;
}

type AnyDocument = Record<string, unknown>;
const searchClients = new ClientCache<SearchClient<AnyDocument>>();
const indexClients = new ClientCache<SearchIndexClient>();

/**
 * The SDK's options for every client: SDK retries off (the engine retries, so each attempt is an
 * event), `http://` allowed on loopback only, a pipeline policy that stops reading any body at
 * `maxResponseBytes`, and one that reads error answers into plain `SearchAnswerError`s. Every client we build gets exactly these.
 */
function clientOptions(target: SearchTarget) {
  return {
    retryOptions: { maxRetries: 0 },
    allowInsecureConnection: target.endpoint.insecure,
    additionalPolicies: [
      { policy: createSearchAnswerPolicy(), position: "perRetry" as const },
      { policy: createResponseSizePolicy(target.maxResponseBytes), position: "perRetry" as const },
    ],
    // `SearchClient` 13.0.0 keeps `serviceVersion` to itself and hands the generated client only
    // the deprecated `apiVersion`, which is what the request's `api-version` comes from.
    ...(target.apiVersion ? { serviceVersion: target.apiVersion, apiVersion: target.apiVersion } : {}),
  };
}

function cacheKey(target: SearchTarget, index = ""): string {
  // The key is part of the identity (the client holds it anyway); the cache never leaves this module.
  const { endpoint } = target;
  return `${endpoint.url}\0${index}\0${target.apiVersion ?? ""}\0${target.maxResponseBytes}\0${target.apiKey}`;
}

/** A `SearchClient` for one index of the target's service, built once per key and options. */
export async function searchClientFor(
  target: SearchTarget,
  index: string,
): Promise<SearchClient<AnyDocument>> {
  const azure = await loadSdk();
  return searchClients.get(
    cacheKey(target, index),
    () =>
      new azure.SearchClient<AnyDocument>(
        target.endpoint.url,
        index,
        new azure.AzureKeyCredential(target.apiKey),
        clientOptions(target),
      ),
  );
}

/** A `SearchIndexClient` for the target's service (what `weft connection test` asks). */
export async function indexClientFor(target: SearchTarget): Promise<SearchIndexClient> {
  const azure = await loadSdk();
  return indexClients.get(
    cacheKey(target),
    () =>
      new azure.SearchIndexClient(
        target.endpoint.url,
        new azure.AzureKeyCredential(target.apiKey),
        clientOptions(target),
      ),
  );
}
