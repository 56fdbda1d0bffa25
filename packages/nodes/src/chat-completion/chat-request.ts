import type { Connection } from "@weft/engine";
import type { AzureAiConnection } from "../connection-kinds/azure-ai/azure-ai.js";
import {
  classifyAzureEndpoint,
  DEFAULT_AZURE_OPENAI_API_VERSION,
  isLoopbackHost,
} from "../connection-kinds/azure-ai/endpoint.js";
import type { OpenAiConnection } from "../connection-kinds/openai/openai.js";

/** A chat message as sent to the service. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The request body, in the wire format both SDKs send (snake_case). */
export interface ChatRequestBody {
  model?: string;
  messages: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string | string[];
  response_format?: { type: "json_object" | "text" };
}

/** Where a request goes, derived from a connection: which client, which URL, which api-version. */
export type ChatTarget =
  | { kind: "foundry-models"; url: string; host: string; apiVersion?: string; insecure: boolean }
  | { kind: "azure-openai-deployment"; url: string; host: string; deployment: string; apiVersion: string }
  | { kind: "openai"; url: string | undefined; host: string; organization?: string };

/** The connections a chat model is reached through. */
export type ChatConnection = AzureAiConnection | OpenAiConnection;

/** Whether a connection (of any kind) is one a chat model is reached through. */
export function isChatConnection(connection: Connection): connection is ChatConnection {
  return connection.type === "azure-ai" || connection.type === "openai";
}

/** Targets of connections already seen: a static connection is the same object on every request. */
const targets = new WeakMap<Connection, ChatTarget>();

/** The SDK client each connection needs (DESIGN.md "Connections"). */
export function describeTarget(connection: ChatConnection, nodeId: string): ChatTarget {
  let target = targets.get(connection);
  if (!target) {
    target = classifyTarget(connection, nodeId);
    targets.set(connection, target);
  }
  return target;
}

function classifyTarget(connection: ChatConnection, nodeId: string): ChatTarget {
  if (connection.type === "azure-ai") {
    const endpoint = classifyAzureEndpoint(connection.endpoint, { nodeId });
    const apiVersion = connection.apiVersion ?? endpoint.apiVersion;
    if (endpoint.kind === "foundry-models") {
      const insecure =
        new URL(endpoint.url).protocol === "http:" && isLoopbackHost(new URL(endpoint.url).hostname);
      return {
        kind: "foundry-models",
        url: endpoint.url,
        host: endpoint.host,
        insecure,
        ...(apiVersion ? { apiVersion } : {}),
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
  {
    const host = connection.baseUrl ? new URL(connection.baseUrl).host : "api.openai.com";
    return {
      kind: "openai",
      url: connection.baseUrl,
      host,
      ...(connection.organization ? { organization: connection.organization } : {}),
    };
  }
}
