import { describeValue, type PromptflowConversion, type PromptflowReader } from "@weft/engine";
import { DEFAULT_CONTENT_SAFETY_API_VERSION } from "./endpoint.js";

/**
 * promptflow's old default api_version: a preview API, retired, whose answers had another shape
 * (`hateResult`, … instead of `categoriesAnalysis`).
 */
const RETIRED_PREVIEW_API_VERSION = "2023-04-30-preview";

/**
 * Promptflow `azure_content_safety` (`endpoint`, `api_key`, `api_version`, `api_type`) →
 * `azure-content-safety`. `api_type` is always "Content Safety" and is left out; the retired
 * preview api_version promptflow once wrote by default is dropped, with a note, for the GA one.
 */
export function convertAzureContentSafety(
  _value: Record<string, unknown>,
  read: PromptflowReader,
): PromptflowConversion {
  read.allowKeys(["endpoint", "api_key", "api_version", "api_type", "auth_mode"]);
  const authMode = read.optionalText("auth_mode");
  if (authMode !== undefined && authMode !== "key") {
    throw read.invalid(
      "auth_mode",
      `expected "key" (Microsoft Entra ID connections are not supported yet), got ${describeValue(authMode)}`,
    );
  }
  const apiType = read.optionalText("api_type");
  if (apiType !== undefined && apiType !== "Content Safety") {
    throw read.invalid("api_type", `expected "Content Safety", got ${describeValue(apiType)}`);
  }
  const endpoint = read.requiredText("endpoint");
  const apiKey = read.secretText("api_key");
  const apiVersion = read.optionalText("api_version");
  const notes: string[] = [];
  const keepVersion = apiVersion !== undefined && apiVersion !== RETIRED_PREVIEW_API_VERSION;
  if (apiVersion === RETIRED_PREVIEW_API_VERSION) {
    notes.push(
      `api_version ${RETIRED_PREVIEW_API_VERSION} is a retired preview; left out, so the GA API (${DEFAULT_CONTENT_SAFETY_API_VERSION}) is used`,
    );
  }
  return {
    connection: {
      type: "azure-content-safety",
      endpoint,
      apiKey,
      ...(keepVersion ? { apiVersion } : {}),
    },
    fieldNames: { endpoint: "endpoint", apiKey: "api_key", apiVersion: "api_version" },
    notes,
  };
}
