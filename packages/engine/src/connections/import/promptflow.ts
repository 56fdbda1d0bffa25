import { describeValue } from "../../errors.js";
import { maskUrlCredentials } from "../../secrets/url-credentials.js";
import { classifyAzureEndpoint } from "../endpoint.js";
import { hasEnvReference } from "../env.js";
import { type ConnectionInput, type InputLocation, invalid } from "../store/connection-input.js";

/**
 * Promptflow connection files (`pf connection create -f x.yaml`) mapped to weft connections.
 *
 * - `open_ai` → `openai` (`api_key`, `base_url`, `organization`).
 * - `azure_open_ai` → `azure-ai` when `api_base` is a deployment URL or a Foundry `/models`
 *   endpoint. Promptflow's usual `api_base` is a resource URL (`https://<res>.openai.azure.com/`)
 *   and the deployment is chosen per node, so such a connection becomes an `openai` connection to
 *   the Azure OpenAI v1 API (`<api_base>/openai/v1`), where the node's `model` names the
 *   deployment — one connection still serves every deployment, as it did in promptflow.
 * - `serverless` → `azure-ai` for a `/models` endpoint, else `openai` with `api_base` as the base
 *   URL (serverless endpoints speak the OpenAI chat-completions protocol).
 * - `custom` → `custom` (`configs`, `secrets`).
 *
 * `${env:…}` references are kept. Values promptflow asks for interactively (`<user-input>`) or
 * masked values (`*****`) cannot be imported and are reported with their field.
 */

/** Promptflow connection types this import understands. */
export const PROMPTFLOW_TYPES = ["azure_open_ai", "open_ai", "serverless", "custom"] as const;

/** Promptflow types that exist but have no weft counterpart (yet). */
const OTHER_PROMPTFLOW_TYPES = new Set([
  "cognitive_search",
  "azure_content_safety",
  "form_recognizer",
  "azure_ai_services",
  "serp",
  "qdrant",
  "weaviate",
]);

/** Keys every promptflow connection may carry that mean nothing to weft. */
const IGNORED_KEYS = [
  "$schema",
  "name",
  "type",
  "module",
  "expiry_time",
  "created_date",
  "last_modified_date",
];

/** A promptflow connection, converted. */
export interface PromptflowConversion {
  connection: ConnectionInput;
  /** How promptflow names our fields, for error messages. */
  fieldNames: Record<string, string>;
  /** What the conversion decided that the user should know. */
  notes: string[];
}

/** Whether an object looks like a promptflow connection (by its `type`). */
export function isPromptflowConnection(value: Record<string, unknown>): boolean {
  const type = value.type;
  if (typeof type !== "string") return false;
  if ((PROMPTFLOW_TYPES as readonly string[]).includes(type) && type !== "custom") return true;
  if (OTHER_PROMPTFLOW_TYPES.has(type)) return true;
  const schema = value.$schema;
  return type === "custom" && (typeof schema === "string" ? /promptflow/i.test(schema) : "module" in value);
}

/** Converts one promptflow connection, or throws `connection.invalid` naming the file and field. */
export function convertPromptflowConnection(
  value: Record<string, unknown>,
  at: InputLocation & { connection: string },
): PromptflowConversion {
  const type = value.type as string;
  switch (type) {
    case "open_ai": {
      allowKeys(value, at, ["api_key", "base_url", "organization"]);
      const baseUrl = optionalText(value, at, "base_url");
      const organization = optionalText(value, at, "organization");
      return {
        connection: {
          type: "openai",
          apiKey: secretText(value, at, "api_key"),
          ...(baseUrl === undefined ? {} : { baseUrl }),
          ...(organization === undefined ? {} : { organization }),
        },
        fieldNames: { apiKey: "api_key", baseUrl: "base_url" },
        notes: [],
      };
    }
    case "azure_open_ai":
      return convertAzureOpenAi(value, at);
    case "serverless": {
      allowKeys(value, at, ["api_base", "api_key"]);
      const apiBase = requiredText(value, at, "api_base");
      const apiKey = secretText(value, at, "api_key");
      if (!hasEnvReference(apiBase) && classifies(apiBase)) {
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
    case "custom": {
      allowKeys(value, at, ["configs", "secrets"]);
      return {
        connection: {
          type: "custom",
          configs: textMap(value, at, "configs", false),
          secrets: textMap(value, at, "secrets", true),
        },
        fieldNames: {},
        notes: [],
      };
    }
    default:
      throw invalid(
        at,
        "type",
        `promptflow connections of type ${describeValue(type)} cannot be imported; weft imports ` +
          `${PROMPTFLOW_TYPES.join(", ")}`,
      );
  }
}

const AZURE_NAMES = { endpoint: "api_base", apiKey: "api_key", apiVersion: "api_version" };

function convertAzureOpenAi(value: Record<string, unknown>, at: InputLocation & { connection: string }) {
  allowKeys(value, at, ["api_base", "api_key", "api_version", "api_type", "auth_mode", "resource_id"]);
  const authMode = optionalText(value, at, "auth_mode");
  if (authMode !== undefined && authMode !== "key") {
    throw invalid(
      at,
      "auth_mode",
      `expected "key" (Microsoft Entra ID connections are not supported yet), got ${describeValue(authMode)}`,
    );
  }
  const apiType = optionalText(value, at, "api_type");
  if (apiType !== undefined && apiType !== "azure") {
    throw invalid(at, "api_type", `expected "azure", got ${describeValue(apiType)}`);
  }
  const apiBase = requiredText(value, at, "api_base");
  const apiKey = secretText(value, at, "api_key");
  const apiVersion = optionalText(value, at, "api_version");
  const notes = value.resource_id === undefined ? [] : ["resource_id is not used by weft and was left out"];
  if (!hasEnvReference(apiBase) && classifies(apiBase)) {
    return {
      connection: {
        type: "azure-ai" as const,
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
    connection: { type: "openai" as const, baseUrl, apiKey },
    fieldNames: { apiKey: "api_key", baseUrl: "api_base" },
    notes,
  };
}

function classifies(endpoint: string): boolean {
  try {
    classifyAzureEndpoint(endpoint);
    return true;
  } catch {
    return false;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function allowKeys(value: Record<string, unknown>, at: InputLocation, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!IGNORED_KEYS.includes(key) && !allowed.includes(key)) {
      throw invalid(
        at,
        key,
        `unknown field for promptflow ${String(value.type)} connections; expected ${allowed.join(", ")}`,
      );
    }
  }
}

function optionalText(value: Record<string, unknown>, at: InputLocation, key: string): string | undefined {
  const text = value[key];
  if (text === undefined || text === null) return undefined;
  if (typeof text !== "string") throw invalid(at, key, `expected a string, got ${describeValue(text)}`);
  return text;
}

function requiredText(value: Record<string, unknown>, at: InputLocation, key: string): string {
  const text = optionalText(value, at, key);
  if (text === undefined || text === "") throw invalid(at, key, "expected a value, got nothing");
  return text;
}

/** A secret value: never echoed in messages; placeholders promptflow fills in interactively are refused. */
function secretText(value: Record<string, unknown>, at: InputLocation, key: string, path = key): string {
  const text = value[key];
  if (typeof text !== "string" || text === "") {
    throw invalid(at, path, `expected a secret value or \${env:NAME}, got ${describeKind(text)}`);
  }
  checkPlaceholder(text, at, path);
  return text;
}

function checkPlaceholder(text: string, at: InputLocation, key: string): void {
  if (text === "<user-input>" || text === "<no-change>") {
    throw invalid(
      at,
      key,
      `${text} asks for the value interactively, which an import cannot do; write \${env:NAME} and set that variable`,
    );
  }
  if (/^\*+$/.test(text)) {
    throw invalid(
      at,
      key,
      "is a masked value (as `pf connection show` prints it), not the secret; write the value or ${env:NAME}",
    );
  }
}

function textMap(
  value: Record<string, unknown>,
  at: InputLocation,
  key: string,
  secret: boolean,
): Record<string, string> {
  const map = value[key];
  if (map === undefined || map === null) return {};
  if (typeof map !== "object" || Array.isArray(map)) {
    throw invalid(at, key, `expected name: value entries, got ${describeValue(map)}`);
  }
  const entries: [string, string][] = [];
  for (const [entry, item] of Object.entries(map)) {
    const path = `${key}.${entry}`;
    if (secret) {
      entries.push([entry, secretText(map as Record<string, unknown>, at, entry, path)]);
      continue;
    }
    // Promptflow keeps configs as strings; YAML may have read `8080` or `true` as a scalar.
    if (typeof item === "string") entries.push([entry, item]);
    else if (typeof item === "number" || typeof item === "boolean") entries.push([entry, String(item)]);
    else throw invalid(at, path, `expected a string, got ${describeValue(item)}`);
  }
  return Object.fromEntries(entries);
}

/** Describes a secret's value by kind only. */
function describeKind(value: unknown): string {
  if (value === undefined || value === null || value === "") return "nothing";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
