import type { SerpRoute } from "./serp-types.js";

/** A SerpAPI route, with or without `.json` as SerpAPI accepts both (the `serpapi` client sends none). */
export function matchSerpRoute(method: string, path: string): SerpRoute | undefined {
  if (method !== "GET") return undefined;
  if (path === "/search" || path === "/search.json") return "serp-search";
  if (path === "/account" || path === "/account.json") return "serp-account";
  return undefined;
}

/** Whether a route is one of SerpAPI's (which answers errors as `{"error": "…"}`). */
export function isSerpRoute(route: string): route is SerpRoute {
  return route === "serp-search" || route === "serp-account";
}
