import type { PromptflowConversion, PromptflowReader } from "@weft/engine";
import { AZURE_NAMES } from "../azure-ai/promptflow.js";

/**
 * Promptflow `serverless` (`api_base`, `api_key`) → `serverless`, or `azure-ai` when `api_base` is
 * a Foundry `/models` endpoint. Promptflow's own LLM tool sends these through the OpenAI protocol
 * at `api_base`; Weft uses the Azure AI model inference client at the same base, which serves
 * chat completions and embeddings there.
 */
export function convertServerless(
  _value: Record<string, unknown>,
  read: PromptflowReader,
): PromptflowConversion {
  read.allowKeys(["api_base", "api_key"]);
  const apiBase = read.requiredText("api_base").replace(/\/+$/, "");
  const apiKey = read.secretText("api_key");
  if (/\/models$/i.test(apiBase)) {
    return {
      connection: { type: "azure-ai", endpoint: apiBase, apiKey },
      fieldNames: AZURE_NAMES,
      notes: [],
    };
  }
  return {
    connection: {
      type: "serverless",
      endpoint: apiBase,
      apiKey,
    },
    fieldNames: { endpoint: "api_base", apiKey: "api_key" },
    notes: [],
  };
}
