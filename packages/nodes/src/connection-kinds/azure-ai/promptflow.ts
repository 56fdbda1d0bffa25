import {
  describeValue,
  maskUrlCredentials,
  type PromptflowConversion,
  type PromptflowReader,
} from "@weft/engine";
import { classifyAzureEndpoint } from "./endpoint.js";

/** How promptflow names the fields of an `azure-ai` connection. */
export const AZURE_NAMES = { endpoint: "api_base", apiKey: "api_key", apiVersion: "api_version" };

/**
 * Promptflow `azure_open_ai` → `azure-ai` when `api_base` is an endpoint that kind accepts: a
 * deployment URL, a Foundry `/models` endpoint, or — promptflow's usual `api_base` — a resource URL
 * (`https://<res>.openai.azure.com/`), where a node's `model` names the deployment as promptflow's
 * `deployment_name` did; `api_version` is kept. An `api_base` on another host becomes an `openai`
 * connection to `<api_base>/openai/v1` (the Azure OpenAI v1 API).
 */
export function convertAzureOpenAi(
  value: Record<string, unknown>,
  read: PromptflowReader,
): PromptflowConversion {
  read.allowKeys(["api_base", "api_key", "api_version", "api_type", "auth_mode", "resource_id"]);
  const authMode = read.optionalText("auth_mode");
  if (authMode !== undefined && authMode !== "key") {
    throw read.invalid(
      "auth_mode",
      `expected "key" (Microsoft Entra ID connections are not supported yet), got ${describeValue(authMode)}`,
    );
  }
  const apiType = read.optionalText("api_type");
  if (apiType !== undefined && apiType !== "azure") {
    throw read.invalid("api_type", `expected "azure", got ${describeValue(apiType)}`);
  }
  const apiBase = read.requiredText("api_base");
  const apiKey = read.secretText("api_key");
  const apiVersion = read.optionalText("api_version");
  const notes = value.resource_id === undefined ? [] : ["resource_id is not used by weft and was left out"];
  if (!read.hasEnvReference(apiBase) && classifiesAsAzureEndpoint(apiBase)) {
    return {
      connection: {
        type: "azure-ai",
        endpoint: apiBase,
        apiKey,
        ...(apiVersion === undefined ? {} : { apiVersion }),
      },
      fieldNames: AZURE_NAMES,
      notes,
    };
  }
  const baseUrl = `${trimSlash(apiBase).replace(/\/openai$/i, "")}/openai/v1`;
  notes.push(
    `api_base is an Azure OpenAI resource, not a deployment: imported as an openai connection to ${maskUrlCredentials(baseUrl)} ` +
      "(the Azure OpenAI v1 API); a node's model names the deployment" +
      (apiVersion === undefined ? "" : "; api_version is not used by that API and was left out"),
  );
  return {
    connection: { type: "openai", baseUrl, apiKey },
    fieldNames: { apiKey: "api_key", baseUrl: "api_base" },
    notes,
  };
}

/** Whether an endpoint has one of the shapes an `azure-ai` connection accepts. */
export function classifiesAsAzureEndpoint(endpoint: string): boolean {
  try {
    classifyAzureEndpoint(endpoint);
    return true;
  } catch {
    return false;
  }
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
