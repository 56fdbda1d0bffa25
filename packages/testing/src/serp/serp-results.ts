import { createHash } from "node:crypto";
import type { SerpOrganicResult, SerpSearchInfo } from "./serp-types.js";

/** The engines the offline SerpAPI answers; SerpAPI itself has many more. */
export const SERP_ENGINES = ["google", "bing"] as const;

/** Most organic results one search gives (SerpAPI: `num` up to 100 for Google, `count` 50 for Bing). */
export const MAX_SERP_RESULTS = 100;

/** Results when the search does not say how many. */
export const DEFAULT_SERP_RESULTS = 10;

/** `created_at` / `processed_at` of every search: fixed, so that snapshots are stable. */
const OFFLINE_TIMESTAMP = "2024-11-19 07:06:40 UTC";

/** SerpAPI's error bodies, by what went wrong. */
export const serpErrors = {
  invalidKey: "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key",
  missingKey: "Missing API key. Your API key should be here: https://serpapi.com/manage-api-key",
  missingQuery: "Missing query `q` parameter.",
  outOfSearches: "Your account has run out of searches.",
  server: "Internal server error. Please contact us if the problem persists.",
  unavailable: "The server is temporarily unable to process your request. Please try again later.",
} as const;

/** `{"error": "…"}`: the shape of every SerpAPI error. */
export function serpErrorBody(message: string): { error: string } {
  return { error: message };
}

/** SerpAPI's text for an HTTP status an injected fault gives, unless the fault brings its own. */
export function serpStatusMessage(status: number, message?: string): string {
  if (message !== undefined) return message;
  if (status === 401) return serpErrors.invalidKey;
  if (status === 429) return serpErrors.outOfSearches;
  if (status === 503) return serpErrors.unavailable;
  if (status >= 500) return serpErrors.server;
  return `Request failed with status ${status}.`;
}

/** A search id derived from what was asked, so the same search has the same id. */
export function searchId(search: SerpSearchInfo): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([search.engine, search.query, search.num, search.location, search.safe]))
    .digest("hex");
  return digest.slice(0, 24);
}

/**
 * The default organic results: `num` of them (10 unless asked), each derived from the query only,
 * so a search gives the same results on every run.
 */
export function defaultOrganicResults(search: SerpSearchInfo): SerpOrganicResult[] {
  const count = Math.min(search.num ?? DEFAULT_SERP_RESULTS, MAX_SERP_RESULTS);
  const slug = slugOf(search.query);
  return Array.from({ length: count }, (_, index) => {
    const position = index + 1;
    return {
      position,
      title: `${search.query} — offline result ${position}`,
      link: `https://example.com/${slug}/${position}`,
      displayed_link: `example.com › ${slug} › ${position}`,
      snippet: `Offline result ${position} from ${search.engine} for "${search.query}".`,
      source: "Example",
    };
  });
}

/** Scripted results with their positions filled in, as SerpAPI numbers them. */
export function numberResults(results: readonly SerpOrganicResult[]): SerpOrganicResult[] {
  return results.map((result, index) => ({ position: index + 1, ...result }));
}

/** A whole SerpAPI search response, in the order and shape the service sends it. */
export function buildSearchResponse(
  search: SerpSearchInfo,
  organic: readonly SerpOrganicResult[],
): Record<string, unknown> {
  const id = searchId(search);
  const engineUrl =
    search.engine === "bing"
      ? `https://www.bing.com/search?q=${encodeURIComponent(search.query)}`
      : `https://www.google.com/search?q=${encodeURIComponent(search.query)}`;
  return {
    search_metadata: {
      id,
      status: "Success",
      json_endpoint: `https://serpapi.com/searches/${id}.json`,
      created_at: OFFLINE_TIMESTAMP,
      processed_at: OFFLINE_TIMESTAMP,
      [`${search.engine}_url`]: engineUrl,
      raw_html_file: `https://serpapi.com/searches/${id}.html`,
      total_time_taken: 0.5,
    },
    search_parameters: {
      engine: search.engine,
      q: search.query,
      ...(search.location === undefined ? {} : { location_requested: search.location }),
      ...(search.num === undefined
        ? {}
        : search.engine === "bing"
          ? { count: String(search.num) }
          : { num: String(search.num) }),
      ...(search.safe === undefined
        ? {}
        : search.engine === "bing"
          ? { safeSearch: search.safe }
          : { safe: search.safe }),
      device: "desktop",
    },
    search_information: {
      query_displayed: search.query,
      total_results: organic.length,
      organic_results_state:
        organic.length > 0 ? "Results for exact spelling" : "Empty showing fixed spelling results",
    },
    ...(organic.length > 0
      ? { organic_results: organic }
      : { error: `${capitalised(search.engine)} hasn't returned any results for this query.` }),
  };
}

/**
 * `GET /account`: the account of a key. SerpAPI gives the key back in `api_key`, as here: whoever
 * reads this answer must not pass it on.
 */
export function buildAccountResponse(key: string, searchesThisMonth: number): Record<string, unknown> {
  const id = createHash("sha256").update(key).digest("hex").slice(0, 24);
  return {
    account_id: id,
    api_key: key,
    account_email: "offline@example.com",
    plan_id: "free",
    plan_name: "Free Plan",
    plan_monthly_price: 0,
    searches_per_month: 100,
    plan_searches_left: Math.max(0, 100 - searchesThisMonth),
    extra_credits: 0,
    total_searches_left: Math.max(0, 100 - searchesThisMonth),
    this_month_usage: searchesThisMonth,
    this_hour_searches: searchesThisMonth,
    last_hour_searches: 0,
    account_rate_limit_per_hour: 100,
  };
}

function slugOf(query: string): string {
  const slug = query
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return slug === "" ? "search" : slug;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
