import { type ConnectionOf, defineConnectionKind, secretField } from "@weft/engine";
import { z } from "zod";
import { hostOf } from "../url-fields.js";
import { searchEndpointProblem } from "./endpoint.js";
import { convertCognitiveSearch } from "./promptflow.js";

const fields = {
  endpoint: z.string().describe("the search service, https://<service>.search.windows.net"),
  apiKey: secretField().describe("an admin or query key"),
  apiVersion: z.string().optional().describe("the api-version to send (the client's own by default)"),
};

/** An Azure AI Search connection: the service's endpoint and a key. */
export type AzureAiSearchConnection = ConnectionOf<typeof azureAiSearchConnectionKind.fields.shape> & {
  type: "azure-ai-search";
};

/** Azure AI Search (formerly Cognitive Search): one search service, every index in it. */
export const azureAiSearchConnectionKind = defineConnectionKind({
  type: "azure-ai-search",
  description:
    "An Azure AI Search service (https://<service>.search.windows.net) with an admin or query key.",
  fields: z.object(fields),
  endpointField: "endpoint",
  label: (connection) => hostOf(connection.endpoint),
  identity: (connection) => [connection.endpoint],
  checkField(field, value) {
    if (field !== "endpoint" || typeof value !== "string") return undefined;
    return searchEndpointProblem(value);
  },
  async test(connection, options) {
    const { testSearchConnection } = await import("./test-connection.js");
    return testSearchConnection(connection, options);
  },
  promptflow: { types: ["cognitive_search"], toConnection: convertCognitiveSearch },
});
