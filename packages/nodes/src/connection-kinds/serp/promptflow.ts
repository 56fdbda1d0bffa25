import type { PromptflowConversion, PromptflowReader } from "@weft/engine";

/**
 * Promptflow `serp` → `serp`. Promptflow's connection has `api_key` only (its tool always calls
 * SerpAPI itself), so the weft connection has no `baseUrl`.
 */
export function convertSerp(_value: Record<string, unknown>, read: PromptflowReader): PromptflowConversion {
  read.allowKeys(["api_key"]);
  return {
    connection: { type: "serp", apiKey: read.secretText("api_key") },
    fieldNames: { apiKey: "api_key" },
    notes: [],
  };
}
