import type { Connection } from "@weft/engine";
import type { AzureAiConnection } from "../connection-kinds/azure-ai/azure-ai.js";
import {
  classifyAzureEndpoint,
  DEFAULT_AZURE_OPENAI_API_VERSION,
} from "../connection-kinds/azure-ai/endpoint.js";
import type { OpenAiConnection } from "../connection-kinds/openai/openai.js";
import { parseServerlessEndpoint } from "../connection-kinds/serverless/endpoint.js";
import type { ServerlessConnection } from "../connection-kinds/serverless/serverless.js";
import { isLoopbackHost } from "../connection-kinds/service-url.js";

/**
 * Where a model request goes, derived from a connection: which client, which URL, which
 * api-version. `ModelClient` serves `foundry-models` and `serverless`, `openai`'s `AzureOpenAI` the
 * Azure OpenAI deployment and resource URLs, and `OpenAI` the rest (DESIGN.md "Connections").
 */
export type LlmTarget =
  | { kind: "foundry-models"; url: string; host: string; apiVersion?: string; insecure: boolean }
  | { kind: "serverless"; url: string; host: string; apiVersion?: string; insecure: boolean }
  | { kind: "azure-openai-deployment"; url: string; host: string; deployment: string; apiVersion: string }
  | { kind: "azure-openai-resource"; url: string; host: string; apiVersion: string }
  | { kind: "openai"; url: string | undefined; host: string; organization?: string };

/** The targets `ModelClient` sends to. */
export type ModelClientTarget = Extract<LlmTarget, { kind: "foundry-models" | "serverless" }>;

/** The targets the `openai` SDK sends to. */
export type OpenAiTarget = Exclude<LlmTarget, ModelClientTarget>;

/** Every kind of target, for output schemas. */
export const LLM_TARGET_KINDS = [
  "foundry-models",
  "azure-openai-deployment",
  "azure-openai-resource",
  "serverless",
  "openai",
] as const;

/** The connections a model is reached through. */
export type LlmConnection = AzureAiConnection | OpenAiConnection | ServerlessConnection;

/** Whether a connection (of any kind) is one a model is reached through. */
export function isLlmConnection(connection: Connection): connection is LlmConnection {
  return connection.type === "azure-ai" || connection.type === "openai" || connection.type === "serverless";
}

/** Whether a target is sent through `ModelClient`. */
export function isModelClientTarget(target: LlmTarget): target is ModelClientTarget {
  return target.kind === "foundry-models" || target.kind === "serverless";
}

/** Whether the node's `model` is needed to pick the model: not for a deployment URL or a serverless endpoint. */
export function needsModel(target: LlmTarget): boolean {
  return target.kind !== "azure-openai-deployment" && target.kind !== "serverless";
}

/** Why a node needs `model` with this target, for its error message. */
export function missingModelMessage(target: LlmTarget): string {
  switch (target.kind) {
    case "foundry-models":
      return `"model" is required with a Foundry models endpoint (${target.host}): it picks the deployment`;
    case "azure-openai-resource":
      return `"model" is required with an Azure OpenAI resource URL (${target.host}): it names the deployment`;
    default:
      return `"model" is required with an OpenAI connection (${target.host})`;
  }
}

/**
 * A node type's `checkConnection` for nodes with a `model` input: before a run, a node that gives
 * no `model` while its static connection needs one (a Foundry endpoint, an Azure OpenAI resource
 * URL, OpenAI) is reported. A `model` that is a reference is left to the run.
 */
export function checkModelInput(
  connection: Connection,
  inputs: Readonly<Record<string, unknown>>,
): string | undefined {
  if (inputs.model !== undefined || !isLlmConnection(connection)) return undefined;
  let target: LlmTarget;
  try {
    target = describeTarget(connection, "check");
  } catch {
    // A connection that does not classify fails when the node runs, with its own message.
    return undefined;
  }
  return needsModel(target) ? missingModelMessage(target) : undefined;
}

/** Targets of connections already seen: a static connection is the same object on every request. */
const targets = new WeakMap<Connection, LlmTarget>();

/** The SDK client and URL a connection needs. */
export function describeTarget(connection: LlmConnection, nodeId: string): LlmTarget {
  let target = targets.get(connection);
  if (!target) {
    target = classifyTarget(connection, nodeId);
    targets.set(connection, target);
  }
  return target;
}

function classifyTarget(connection: LlmConnection, nodeId: string): LlmTarget {
  if (connection.type === "serverless") {
    const endpoint = parseServerlessEndpoint(connection.endpoint, { nodeId });
    return { kind: "serverless", ...endpoint };
  }
  if (connection.type === "azure-ai") {
    const endpoint = classifyAzureEndpoint(connection.endpoint, { nodeId });
    const apiVersion = connection.apiVersion ?? endpoint.apiVersion;
    if (endpoint.kind === "foundry-models") {
      const url = new URL(endpoint.url);
      return {
        kind: "foundry-models",
        url: endpoint.url,
        host: endpoint.host,
        insecure: url.protocol === "http:" && isLoopbackHost(url.hostname),
        ...(apiVersion ? { apiVersion } : {}),
      };
    }
    if (endpoint.kind === "azure-openai-resource") {
      return {
        kind: "azure-openai-resource",
        url: endpoint.url,
        host: endpoint.host,
        apiVersion: apiVersion ?? DEFAULT_AZURE_OPENAI_API_VERSION,
      };
    }
    return {
      kind: "azure-openai-deployment",
      url: endpoint.url,
      host: endpoint.host,
      deployment: endpoint.deployment,
      apiVersion: apiVersion ?? DEFAULT_AZURE_OPENAI_API_VERSION,
    };
  }
  const host = connection.baseUrl ? new URL(connection.baseUrl).host : "api.openai.com";
  return {
    kind: "openai",
    url: connection.baseUrl,
    host,
    ...(connection.organization ? { organization: connection.organization } : {}),
  };
}
