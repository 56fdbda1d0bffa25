import { maskUrlCredentials, type PromptflowConversion, type PromptflowReader } from "@weft/engine";
import { AZURE_NAMES, classifiesAsAzureEndpoint, trimSlash } from "../azure-ai/promptflow.js";

/** Promptflow `open_ai` → `openai` (`api_key`, `base_url`, `organization`). */
export function convertOpenAi(_value: Record<string, unknown>, read: PromptflowReader): PromptflowConversion {
  read.allowKeys(["api_key", "base_url", "organization"]);
  const baseUrl = read.optionalText("base_url");
  const organization = read.optionalText("organization");
  return {
    connection: {
      type: "openai",
      apiKey: read.secretText("api_key"),
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(organization === undefined ? {} : { organization }),
    },
    fieldNames: { apiKey: "api_key", baseUrl: "base_url" },
    notes: [],
  };
}

/**
 * Promptflow `serverless` → `azure-ai` for a `/models` endpoint, else `openai` with `api_base` as
 * the base URL (serverless endpoints speak the OpenAI chat-completions protocol).
 */
export function convertServerless(
  _value: Record<string, unknown>,
  read: PromptflowReader,
): PromptflowConversion {
  read.allowKeys(["api_base", "api_key"]);
  const apiBase = read.requiredText("api_base");
  const apiKey = read.secretText("api_key");
  if (!read.hasEnvReference(apiBase) && classifiesAsAzureEndpoint(apiBase)) {
    return {
      connection: { type: "azure-ai", endpoint: apiBase, apiKey },
      fieldNames: AZURE_NAMES,
      notes: [],
    };
  }
  return {
    connection: { type: "openai", baseUrl: trimSlash(apiBase), apiKey },
    fieldNames: { apiKey: "api_key", baseUrl: "api_base" },
    notes: [
      `serverless connection imported as an openai connection to ${maskUrlCredentials(trimSlash(apiBase))}`,
    ],
  };
}
