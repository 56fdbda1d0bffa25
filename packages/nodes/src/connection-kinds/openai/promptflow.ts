import type { PromptflowConversion, PromptflowReader } from "@weft/engine";

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
