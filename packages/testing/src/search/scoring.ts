import type { SearchDocument } from "./types.js";

/** An index ready to score: its documents with their key and the text keyword search reads. */
export interface ScoredIndex {
  key: string;
  documents: SearchDocument[];
  searchableFields: string[];
  vectorFields: string[];
  semanticConfigurations: string[];
}

/** A document's position in a ranking, with the score that put it there. */
export interface Ranked {
  document: SearchDocument;
  score: number;
}

/** Lower-case words of letters and digits: what keyword search compares. */
export function terms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function documentTerms(index: ScoredIndex, document: SearchDocument): string[] {
  const words: string[] = [];
  for (const field of index.searchableFields) {
    const value = document[field];
    const texts = Array.isArray(value) ? value : [value];
    for (const text of texts) if (typeof text === "string") words.push(...terms(text));
  }
  return words;
}

/**
 * Keyword ranking by term overlap: each query term found in a document adds its count there times
 * `ln(1 + N / df)` (rarer terms weigh more). `*` matches every document with score 1. Documents
 * that match no term are left out.
 */
export function rankByKeywords(index: ScoredIndex, documents: SearchDocument[], search: string): Ranked[] {
  if (search.trim() === "*")
    return byScore(
      index,
      documents.map((document) => ({ document, score: 1 })),
    );
  const queryTerms = [...new Set(terms(search))];
  const bags = documents.map((document) => documentTerms(index, document));
  const ranked: Ranked[] = [];
  documents.forEach((document, at) => {
    const bag = bags[at] ?? [];
    let score = 0;
    for (const term of queryTerms) {
      const count = bag.filter((word) => word === term).length;
      if (count === 0) continue;
      const df = bags.filter((other) => other.includes(term)).length;
      score += count * Math.log(1 + documents.length / df);
    }
    if (score > 0) ranked.push({ document, score: round(score) });
  });
  return byScore(index, ranked);
}

/** Cosine similarity; 0 when either vector is all zeros or the lengths differ. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/**
 * Vector ranking as the service scores cosine: `1 / (1 + (1 - cos))`, the best of the named
 * fields, the `k` nearest kept.
 */
export function rankByVector(
  index: ScoredIndex,
  documents: SearchDocument[],
  query: { vector: number[]; fields: string[]; k?: number },
): Ranked[] {
  const ranked: Ranked[] = [];
  for (const document of documents) {
    let best: number | undefined;
    for (const field of query.fields) {
      const value = document[field];
      if (!Array.isArray(value) || value.length !== query.vector.length) continue;
      const similarity = cosine(query.vector, value as number[]);
      best = best === undefined ? similarity : Math.max(best, similarity);
    }
    if (best !== undefined) ranked.push({ document, score: round(1 / (2 - best)) });
  }
  return byScore(index, ranked).slice(0, query.k ?? 50);
}

/** Reciprocal rank fusion (k = 60) of several rankings, as hybrid search merges them. */
export function fuse(index: ScoredIndex, rankings: Ranked[][]): Ranked[] {
  const scores = new Map<SearchDocument, number>();
  for (const ranking of rankings) {
    ranking.forEach(({ document }, rank) => {
      scores.set(document, (scores.get(document) ?? 0) + 1 / (60 + rank + 1));
    });
  }
  return byScore(
    index,
    [...scores].map(([document, score]) => ({ document, score: round(score) })),
  );
}

/**
 * The semantic ranker's score, from 0 to 4: 4 times the share of the query's distinct terms found
 * in the document's searchable text.
 */
export function rerankerScore(index: ScoredIndex, document: SearchDocument, search: string): number {
  const queryTerms = [...new Set(terms(search))];
  if (queryTerms.length === 0) return 0;
  const bag = new Set(documentTerms(index, document));
  const found = queryTerms.filter((term) => bag.has(term)).length;
  return round((4 * found) / queryTerms.length);
}

/** Best first; ties by key, so the order is the same on every run. */
export function byScore(index: ScoredIndex, ranked: Ranked[]): Ranked[] {
  const keyOf = (document: SearchDocument) => String(document[index.key] ?? "");
  return ranked.sort((a, b) => b.score - a.score || keyOf(a.document).localeCompare(keyOf(b.document)));
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
