import { defaultSearchIndexes } from "./default-index.js";
import { parseFilter } from "./filter.js";
import {
  fuse,
  type Ranked,
  rankByKeywords,
  rankByVector,
  rerankerScore,
  type ScoredIndex,
} from "./scoring.js";
import type {
  SearchHit,
  SearchIndexSeed,
  SearchRequestInfo,
  SearchRule,
  SearchRuleMatch,
  SearchServiceOptions,
} from "./types.js";

const SEARCH_FAULTS = new Set(["status", "hang", "drop", "malformed-json", "raw-body", "huge-body"]);

/** The outcome of a search: hits, or a 400 the service would send for the request. */
export type SearchOutcome = { ok: true; hits: SearchHit[] } | { ok: false; message: string };

/** The offline search service's state: its indexes and scripted rules. */
export class SearchService {
  readonly #indexes = new Map<string, ScoredIndex>();
  readonly #initialRules: readonly SearchRule[];
  #rules: Array<{ rule: SearchRule; uses: number }>;

  constructor(options: SearchServiceOptions = {}) {
    const seeds = options.indexes ?? defaultSearchIndexes();
    for (const [name, seed] of Object.entries(seeds)) this.#indexes.set(name, prepareIndex(name, seed));
    (options.rules ?? []).forEach(checkSearchRule);
    this.#initialRules = [...(options.rules ?? [])];
    this.#rules = this.#initialRules.map((rule) => ({ rule, uses: 0 }));
  }

  /** The index of that name, if the service has one. */
  index(name: string): ScoredIndex | undefined {
    return this.#indexes.get(name);
  }

  /** Every index name, sorted. */
  indexNames(): string[] {
    return [...this.#indexes.keys()].sort();
  }

  addRule(rule: SearchRule): void {
    checkSearchRule(rule);
    this.#rules.push({ rule, uses: 0 });
  }

  reset(): void {
    this.#rules = this.#initialRules.map((rule) => ({ rule, uses: 0 }));
  }

  /** The first unspent rule matching the request, counted as used. */
  takeRule(request: SearchRequestInfo, key: string | undefined): SearchRule | undefined {
    const slot = this.#rules.find(
      ({ rule, uses }) =>
        (rule.times === undefined || uses < rule.times) && matches(rule.match, request, key),
    );
    if (!slot) return undefined;
    slot.uses += 1;
    return slot.rule;
  }

  /** Searches the index as the request says: filter, rank, rerank, cut to `top`, select. */
  search(index: ScoredIndex, request: SearchRequestInfo): SearchOutcome {
    let documents = index.documents;
    if (request.filter !== undefined) {
      const filter = parseFilter(request.filter);
      if (!filter) {
        return {
          ok: false,
          message: `Invalid expression: the offline service understands only "field eq value" and "field ne value" joined by "and".\r\nParameter name: $filter`,
        };
      }
      documents = documents.filter(filter);
    }
    const rankings: Ranked[][] = [];
    const text = request.search;
    const hasText = text !== undefined && text.trim() !== "";
    if (hasText) rankings.push(rankByKeywords(index, documents, text));
    for (const query of request.vectorQueries) rankings.push(rankByVector(index, documents, query));
    const ranked =
      rankings.length === 0
        ? rankByKeywords(index, documents, "*")
        : rankings.length === 1
          ? (rankings[0] as Ranked[])
          : fuse(index, rankings);
    let hits: SearchHit[] = ranked.map(({ document, score }) => ({ score, document }));
    if (request.queryType === "semantic" && hasText) {
      hits = hits
        .slice(0, 50)
        .map((hit) => ({ ...hit, rerankerScore: rerankerScore(index, hit.document, text) }))
        .sort((a, b) => (b.rerankerScore ?? 0) - (a.rerankerScore ?? 0) || b.score - a.score);
    }
    return { ok: true, hits: hits.slice(0, request.top).map((hit) => selectFields(hit, request.select)) };
  }
}

function selectFields(hit: SearchHit, select: string[] | undefined): SearchHit {
  if (!select) return hit;
  const document: Record<string, unknown> = {};
  for (const name of select) {
    if (Object.hasOwn(hit.document, name)) {
      Object.defineProperty(document, name, {
        value: hit.document[name],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return { ...hit, document };
}

function prepareIndex(name: string, seed: SearchIndexSeed): ScoredIndex {
  if (!Array.isArray(seed?.documents)) {
    throw new TypeError(`Expected \`search.indexes.${name}.documents\` to be an array`);
  }
  const sample = seed.documents;
  const fieldsWhere = (test: (value: unknown) => boolean) => {
    const names = new Set<string>();
    for (const document of sample)
      for (const [field, value] of Object.entries(document)) if (test(value)) names.add(field);
    return [...names];
  };
  const isText = (value: unknown) =>
    typeof value === "string" ||
    (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === "string"));
  const isVector = (value: unknown) =>
    Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === "number");
  const key = seed.key ?? "id";
  return {
    key,
    documents: seed.documents,
    searchableFields: seed.searchableFields ?? fieldsWhere(isText).filter((field) => field !== key),
    vectorFields: seed.vectorFields ?? fieldsWhere(isVector),
    semanticConfigurations: seed.semanticConfigurations ?? ["default"],
  };
}

function matches(
  match: SearchRuleMatch | undefined,
  request: SearchRequestInfo,
  key: string | undefined,
): boolean {
  if (match === undefined) return true;
  if (match.index !== undefined && !textMatches(match.index, request.index)) return false;
  if (match.search !== undefined && !textMatches(match.search, request.search)) return false;
  if (match.key !== undefined && match.key !== request.keyName && match.key !== key) return false;
  return true;
}

function textMatches(matcher: string | RegExp, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (typeof matcher === "string") return matcher === value;
  matcher.lastIndex = 0;
  return matcher.test(value);
}

function checkSearchRule(rule: SearchRule): void {
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 0)) {
    throw new TypeError(`Expected \`rule.times\` to be a non-negative integer, got ${String(rule.times)}`);
  }
  if (rule.results !== undefined && rule.fault !== undefined) {
    throw new TypeError("Expected a search rule to have either `results` or `fault`, got both");
  }
  if (rule.fault !== undefined && !SEARCH_FAULTS.has(rule.fault.type)) {
    throw new TypeError(
      `Expected a search rule's fault to be one of ${[...SEARCH_FAULTS].join(", ")}, got ${(rule.fault as { type: string }).type} (search answers are not streamed)`,
    );
  }
}
