import { parseServiceUrl } from "../service-url.js";

/** The api-version sent when the connection names none: the GA API of `@azure-rest/ai-content-safety` 1.0. */
export const DEFAULT_CONTENT_SAFETY_API_VERSION = "2023-10-01";

/** The endpoint shape shown in errors. */
export const CONTENT_SAFETY_ENDPOINT_SHAPE = "https://<resource>.cognitiveservices.azure.com";

/** A Content Safety endpoint, as the client takes it. */
export interface ContentSafetyEndpoint {
  /** The resource's base URL (no trailing slash, no `/contentsafety…`, no query): the client adds the rest. */
  url: string;
  host: string;
  /** Plain `http://` to this machine (tests, local servers): the client must be told to allow it. */
  insecure: boolean;
  /** The `api-version` of a pasted request URL (`…/text:analyze?api-version=…`), if any. */
  apiVersion?: string;
}

/**
 * Reads a Content Safety endpoint: the resource URL as the portal shows it
 * (`https://<resource>.cognitiveservices.azure.com/`), or a request URL pasted from a REST sample
 * (`…/contentsafety/text:analyze?api-version=2023-10-01`), cut back to the resource URL. A path
 * before `/contentsafety` (a gateway in front of the service) is kept. Throws a
 * `connection.endpoint` error that shows the expected shape and never repeats credentials.
 */
export function parseContentSafetyEndpoint(
  endpoint: string,
  where: { nodeId?: string; path?: string } = {},
): ContentSafetyEndpoint {
  const { url, insecure } = parseServiceUrl(endpoint, CONTENT_SAFETY_ENDPOINT_SHAPE, where);
  const apiVersion = url.searchParams.get("api-version") ?? undefined;
  const path = url.pathname.replace(/\/contentsafety(\/.*)?$/i, "").replace(/\/+$/, "");
  return {
    url: `${url.protocol}//${url.host}${path}`,
    host: url.host,
    insecure,
    ...(apiVersion ? { apiVersion } : {}),
  };
}
