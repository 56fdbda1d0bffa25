import { type ConnectionOf, defineConnectionKind, secretField } from "@weft/engine";
import { z } from "zod";
import { credentialProblem, hostOf } from "../url-fields.js";
import { classifyAzureEndpoint } from "./endpoint.js";
import { convertAzureOpenAi } from "./promptflow.js";

const fields = {
  endpoint: z.string().describe("a Foundry /models endpoint or an Azure OpenAI deployment URL"),
  apiKey: secretField().describe("the API key"),
  apiVersion: z.string().optional().describe("the api-version to send"),
};

/** An Azure AI connection: a Foundry `/models` endpoint or an Azure OpenAI deployment URL. */
export type AzureAiConnection = ConnectionOf<typeof azureAiConnectionKind.fields.shape> & {
  type: "azure-ai";
};

/** Azure AI: a Foundry models endpoint (every deployment) or one Azure OpenAI deployment. */
export const azureAiConnectionKind = defineConnectionKind({
  type: "azure-ai",
  description: "An Azure AI Foundry models endpoint or an Azure OpenAI deployment, with its API key.",
  fields: z.object(fields),
  endpointField: "endpoint",
  label: (connection) => hostOf(connection.endpoint),
  identity: (connection) => [connection.endpoint],
  checkField(field, value) {
    if (field !== "endpoint" || typeof value !== "string") return undefined;
    const credential = credentialProblem(value);
    if (credential) return credential;
    classifyAzureEndpoint(value);
    return undefined;
  },
  async test(connection, options) {
    const { testConnection } = await import("../../chat-completion/test-connection.js");
    return testConnection(connection, options);
  },
  promptflow: { types: ["azure_open_ai"], toConnection: convertAzureOpenAi },
});
