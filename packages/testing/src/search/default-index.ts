import type { SearchIndexSeed } from "./types.js";

/**
 * The index every offline server has unless `search.indexes` says otherwise: `handbook`, five
 * short passages with 4-dimensional vectors in `contentVector`, and a semantic configuration
 * `default`.
 */
export function defaultSearchIndexes(): Record<string, SearchIndexSeed> {
  return {
    handbook: {
      key: "id",
      searchableFields: ["title", "content"],
      vectorFields: ["contentVector"],
      semanticConfigurations: ["default"],
      documents: [
        {
          id: "1",
          title: "Rotating API keys",
          content:
            "Rotate keys every 90 days: create the new key, switch clients over, then revoke the old key.",
          category: "security",
          contentVector: [0.9, 0.1, 0.0, 0.1],
        },
        {
          id: "2",
          title: "Rate limits",
          content:
            "Each customer has its own quota; requests over the limit get 429 and a retry-after header.",
          category: "operations",
          contentVector: [0.1, 0.9, 0.1, 0.0],
        },
        {
          id: "3",
          title: "Dynamic connections",
          content:
            "A connection built while the flow runs overrides the static connection, so each customer brings their own keys.",
          category: "flows",
          contentVector: [0.2, 0.3, 0.9, 0.1],
        },
        {
          id: "4",
          title: "Secrets in logs",
          content: "Keys are masked in events, traces and errors; a leaked key must be rotated at once.",
          category: "security",
          contentVector: [0.7, 0.0, 0.2, 0.6],
        },
        {
          id: "5",
          title: "Retries",
          content: "The engine retries 429 and 5xx answers with backoff, honouring retry-after.",
          category: "operations",
          contentVector: [0.0, 0.7, 0.1, 0.6],
        },
      ],
    },
  };
}
