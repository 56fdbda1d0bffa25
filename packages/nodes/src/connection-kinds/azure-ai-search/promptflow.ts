import { describeValue, type PromptflowConversion, type PromptflowReader } from "@weft/engine";
import { trimSlash } from "../azure-ai/promptflow.js";

/** The first api-version whose request shape (`vectorQueries`) the client sends. */
const OLDEST_SUPPORTED_API_VERSION = "2023-11-01";

/**
 * Promptflow `cognitive_search` → `azure-ai-search` (`api_base`, `api_key`, `api_version`,
 * `auth_mode`). An `api_version` older than 2023-11-01 (promptflow's old default,
 * `2023-07-01-Preview`) is left out: the client sends the request shape of the GA vector API,
 * which those versions do not take.
 */
export function convertCognitiveSearch(
  _value: Record<string, unknown>,
  read: PromptflowReader,
): PromptflowConversion {
  read.allowKeys(["api_base", "api_key", "api_version", "auth_mode"]);
  const authMode = read.optionalText("auth_mode");
  if (authMode !== undefined && authMode !== "key") {
    throw read.invalid(
      "auth_mode",
      `expected "key" (Microsoft Entra ID connections are not supported yet), got ${describeValue(authMode)}`,
    );
  }
  const apiBase = read.requiredText("api_base");
  const endpoint = read.hasEnvReference(apiBase) ? apiBase : trimSlash(apiBase);
  const apiKey = read.secretText("api_key");
  const apiVersion = read.optionalText("api_version");
  const notes: string[] = [];
  const keep = apiVersion !== undefined && (read.hasEnvReference(apiVersion) || !isOlder(apiVersion));
  if (apiVersion !== undefined && !keep) {
    notes.push(
      `api_version ${describeValue(apiVersion)} is older than ${OLDEST_SUPPORTED_API_VERSION} and was left out: the client's own api-version is used`,
    );
  }
  return {
    connection: { type: "azure-ai-search", endpoint, apiKey, ...(keep ? { apiVersion } : {}) },
    fieldNames: { endpoint: "api_base", apiKey: "api_key", apiVersion: "api_version" },
    notes,
  };
}

/** Whether a `YYYY-MM-DD[-Preview]` api-version predates the oldest one the client's requests fit. */
function isOlder(apiVersion: string): boolean {
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(apiVersion.trim())?.[1];
  return date !== undefined && date < OLDEST_SUPPORTED_API_VERSION;
}
