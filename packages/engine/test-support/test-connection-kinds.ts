import { z } from "zod";
import { defineConnectionKind, secretField } from "../src/connection-kind/define-connection-kind.js";

/** A key and an optional base URL, as an OpenAI-style service has. */
export const keyedKind = defineConnectionKind({
  type: "openai",
  description: "A test service reached with a key.",
  fields: z.object({ apiKey: secretField(), baseUrl: z.string().optional() }),
  label: (connection) => (connection.baseUrl ? new URL(connection.baseUrl).host : "api.example.com"),
  identity: (connection) => [connection.baseUrl ?? ""],
});

/** An endpoint and a key, as an Azure-style service has. */
export const endpointKind = defineConnectionKind({
  type: "azure-ai",
  description: "A test service at an endpoint.",
  fields: z.object({ endpoint: z.string(), apiKey: secretField() }),
  label: (connection) => new URL(connection.endpoint).host,
  identity: (connection) => [connection.endpoint],
});

/** Plain settings and named secrets. */
export const settingsKind = defineConnectionKind({
  type: "custom",
  description: "Test settings.",
  fields: z.object({
    configs: z.record(z.string(), z.string()),
    secrets: z.record(z.string(), secretField()),
  }),
  label: () => "custom",
  identity: (connection) => [JSON.stringify(connection.configs)],
});

export const testConnectionKinds = [keyedKind, endpointKind, settingsKind];
