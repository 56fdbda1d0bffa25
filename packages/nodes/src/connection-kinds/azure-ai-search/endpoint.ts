import { describeValue, FlowError, maskUrlCredentials } from "@weft/engine";
import { isLoopbackHost } from "../service-url.js";
import { credentialProblem } from "../url-fields.js";

/** The shape of an Azure AI Search endpoint, as users are shown it. */
export const SEARCH_ENDPOINT_SHAPE = "https://<service>.search.windows.net";

/** An Azure AI Search service endpoint, parsed. */
export interface SearchEndpoint {
  /** `https://<service>.search.windows.net`: the origin, without path, query or trailing slash. */
  url: string;
  /** `<service>.search.windows.net` (with the port, when there is one). */
  host: string;
  /** Plain `http://` to a loopback host (tests, local servers). */
  insecure: boolean;
}

/**
 * What is wrong with an Azure AI Search endpoint, or undefined: it must be an `https://` origin
 * (plain `http://` only on loopback), without credentials or a path. The endpoint is never quoted
 * with a credential in it.
 */
export function searchEndpointProblem(endpoint: string): string | undefined {
  const credential = credentialProblem(endpoint);
  if (credential) return credential;
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return `expected ${SEARCH_ENDPOINT_SHAPE}, got ${describeValue(maskUrlCredentials(endpoint))}`;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return `plain http:// is only allowed for local servers: expected ${SEARCH_ENDPOINT_SHAPE}`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `expected ${SEARCH_ENDPOINT_SHAPE}, got the protocol ${url.protocol}`;
  }
  if (url.pathname.replace(/\/+$/, "") !== "" || url.search !== "" || url.hash !== "") {
    return `expected the service's address alone (${SEARCH_ENDPOINT_SHAPE}), without a path or query; the index is the node's "index" input, got ${describeValue(maskUrlCredentials(endpoint))}`;
  }
  return undefined;
}

/** Parses a search endpoint, or throws a `connection.endpoint` error saying what was expected. */
export function parseSearchEndpoint(endpoint: string, where: { nodeId?: string } = {}): SearchEndpoint {
  const problem = searchEndpointProblem(endpoint);
  if (problem)
    throw new FlowError("connection.endpoint", `invalid Azure AI Search endpoint: ${problem}`, where);
  const url = new URL(endpoint.trim());
  return { url: url.origin, host: url.host, insecure: url.protocol === "http:" };
}
