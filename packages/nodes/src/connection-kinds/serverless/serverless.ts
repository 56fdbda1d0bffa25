import { type ConnectionOf, defineConnectionKind, secretField } from "@weft/engine";
import { z } from "zod";
import { credentialProblem, hostOf } from "../url-fields.js";
import { parseServerlessEndpoint } from "./endpoint.js";
import { convertServerless } from "./promptflow.js";

const fields = {
  endpoint: z.string().describe("the serverless endpoint, https://<name>.<region>.models.ai.azure.com"),
  apiKey: secretField().describe("the endpoint's key"),
};

/** An Azure AI serverless API endpoint (models as a service) and its key. */
export type ServerlessConnection = ConnectionOf<typeof serverlessConnectionKind.fields.shape> & {
  type: "serverless";
};

/**
 * Azure AI serverless API endpoints (models as a service): one model per endpoint, reached with
 * `@azure-rest/ai-inference` at the endpoint's root (`/chat/completions`, `/embeddings`, `/info`).
 */
export const serverlessConnectionKind = defineConnectionKind({
  type: "serverless",
  description: "An Azure AI serverless API endpoint (models as a service), with its key.",
  fields: z.object(fields),
  endpointField: "endpoint",
  label: (connection) => hostOf(connection.endpoint),
  identity: (connection) => [connection.endpoint],
  checkField(field, value) {
    if (field !== "endpoint" || typeof value !== "string") return undefined;
    const credential = credentialProblem(value);
    if (credential) return credential;
    parseServerlessEndpoint(value);
    return undefined;
  },
  async test(connection, options) {
    const { testServerlessConnection } = await import("./test-connection.js");
    return testServerlessConnection(connection, options);
  },
  promptflow: { types: ["serverless"], toConnection: convertServerless },
});
