import {
  type ConnectionOf,
  defineConnectionKind,
  describeValue,
  maskUrlCredentials,
  secretField,
} from "@weft/engine";
import { z } from "zod";
import { credentialProblem } from "../url-fields.js";
import { convertSerp } from "./promptflow.js";
import { DEFAULT_SERP_BASE_URL, hostOf, serpBaseUrl } from "./serp-call.js";

/**
 * What is wrong with a SerpAPI base URL, or undefined: an http(s) URL without credentials, query
 * or fragment (the request's own query, key included, is added to it).
 */
export function serpBaseUrlProblem(value: string): string | undefined {
  const credential = credentialProblem(value);
  if (credential) return credential;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return `expected an http(s) URL such as ${DEFAULT_SERP_BASE_URL}, got ${describeValue(maskUrlCredentials(value))}`;
  }
  if (url.search !== "" || url.hash !== "") {
    return `expected a base URL without a query or fragment, got ${describeValue(maskUrlCredentials(value))}`;
  }
  return undefined;
}

const baseUrl = z.string().superRefine((value, context) => {
  const problem = serpBaseUrlProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem, input: value });
});

const fields = {
  apiKey: secretField().describe("the SerpAPI key (sent as the api_key query parameter)"),
  baseUrl: baseUrl
    .optional()
    .describe(`SerpAPI's base URL (${DEFAULT_SERP_BASE_URL} unless set: a proxy, a test server)`),
};

/** A SerpAPI connection. */
export type SerpConnection = ConnectionOf<typeof serpConnectionKind.fields.shape> & { type: "serp" };

/**
 * SerpAPI (Google and Bing results as JSON), with its key. The key travels in the query string,
 * so every URL, error and log is scrubbed of it. Two connections share a per-connection limit only
 * with the same base URL and the same key (the engine adds the key to the identity's hash).
 */
export const serpConnectionKind = defineConnectionKind({
  type: "serp",
  description: "SerpAPI, for web search results (Google, Bing), with its API key.",
  fields: z.object(fields),
  endpointField: "baseUrl",
  label: (connection) => hostOf(serpBaseUrl(connection)),
  identity: (connection) => [serpBaseUrl(connection).replace(/\/+$/, "")],
  checkField: (field, value) =>
    field === "baseUrl" && typeof value === "string" ? serpBaseUrlProblem(value) : undefined,
  async test(connection, options) {
    const { testSerpConnection } = await import("./test-serp-connection.js");
    return testSerpConnection(connection, options);
  },
  promptflow: { types: ["serp"], toConnection: convertSerp },
});
