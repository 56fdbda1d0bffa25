import { type ConnectionOf, defineConnectionKind, secretField } from "@weft/engine";
import { z } from "zod";
import { credentialProblem, hostOf } from "../url-fields.js";
import { DEFAULT_CONTENT_SAFETY_API_VERSION, parseContentSafetyEndpoint } from "./endpoint.js";
import { convertAzureContentSafety } from "./promptflow.js";

const fields = {
  endpoint: z.string().describe("the resource endpoint, https://<resource>.cognitiveservices.azure.com"),
  apiKey: secretField().describe("the resource's key"),
  apiVersion: z
    .string()
    .optional()
    .describe(`the api-version to send (default ${DEFAULT_CONTENT_SAFETY_API_VERSION})`),
};

/** An Azure AI Content Safety connection: a resource endpoint and its key. */
export type AzureContentSafetyConnection = ConnectionOf<
  typeof azureContentSafetyConnectionKind.fields.shape
> & {
  type: "azure-content-safety";
};

/** Azure AI Content Safety: one resource (`https://<resource>.cognitiveservices.azure.com`) and its key. */
export const azureContentSafetyConnectionKind = defineConnectionKind({
  type: "azure-content-safety",
  description: "An Azure AI Content Safety resource endpoint, with its key.",
  fields: z.object(fields),
  endpointField: "endpoint",
  label: (connection) => hostOf(connection.endpoint),
  identity: (connection) => [connection.endpoint],
  checkField(field, value) {
    if (field !== "endpoint" || typeof value !== "string") return undefined;
    const credential = credentialProblem(value);
    if (credential) return credential;
    parseContentSafetyEndpoint(value);
    return undefined;
  },
  async test(connection, options) {
    const { testContentSafetyConnection } = await import("./test-connection.js");
    return testContentSafetyConnection(connection, options);
  },
  promptflow: { types: ["azure_content_safety"], toConnection: convertAzureContentSafety },
});
