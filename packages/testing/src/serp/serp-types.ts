/**
 * Public types of the offline SerpAPI service (`GET /search`, `GET /account`). Re-exported by the
 * package; `types.ts` refers to them where the shared log and rules need them.
 */

/** The SerpAPI routes: a search (`/search`, `/search.json`) and the account (`/account`, `/account.json`). */
export type SerpRoute = "serp-search" | "serp-account";

/** What a scripted SerpAPI result function receives: the parsed search, never the key. */
export interface SerpSearchInfo {
  /** `engine` (`google`, `bing`, …). */
  engine: string;
  /** `q`, the search query. */
  query: string;
  /** How many results were asked for: `num` (Google) or `count` (Bing). */
  num?: number;
  /** `location`, if any. */
  location?: string;
  /** `safe` (Google: `active` | `off`) or `safeSearch` (Bing: `off` | `moderate` | `strict`), if any. */
  safe?: string;
  /** The name of the key that authenticated the search, when keys were given as a record. */
  keyName?: string;
}

/** One organic result, in SerpAPI's field names; a scripted result may leave `position` out. */
export interface SerpOrganicResult {
  /** 1 for the first result, then 2, 3, … (filled in when a scripted result has none). */
  position?: number;
  title: string;
  link: string;
  /** The link as shown (`example.com › guide`). */
  displayed_link?: string;
  snippet?: string;
  /** Any other field SerpAPI sends (`source`, `date`, `sitelinks`, …). */
  [field: string]: unknown;
}
