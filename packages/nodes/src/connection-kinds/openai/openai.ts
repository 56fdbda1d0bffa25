import {
  type ConnectionOf,
  defineConnectionKind,
  describeValue,
  maskUrlCredentials,
  secretField,
} from "@weft/engine";
import { z } from "zod";
import { credentialProblem, hostOf } from "../url-fields.js";
import { convertOpenAi } from "./promptflow.js";

const fields = {
  apiKey: secretField().describe("the API key"),
  baseUrl: z.string().optional().describe("an OpenAI-compatible server's base URL"),
  organization: z.string().optional().describe("the organization id"),
};

/** An OpenAI (or OpenAI-compatible) connection. */
export type OpenAiConnection = ConnectionOf<typeof openAiConnectionKind.fields.shape> & { type: "openai" };

/** OpenAI, or any server that speaks its chat-completions protocol (local ones included). */
export const openAiConnectionKind = defineConnectionKind({
  type: "openai",
  description: "OpenAI or an OpenAI-compatible server, with its API key.",
  fields: z.object(fields),
  endpointField: "baseUrl",
  label: (connection) => (connection.baseUrl ? hostOf(connection.baseUrl) : "api.openai.com"),
  identity: (connection) => [connection.baseUrl ?? ""],
  checkField(field, value) {
    if (field !== "baseUrl" || typeof value !== "string") return undefined;
    const credential = credentialProblem(value);
    if (credential) return credential;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
      return `expected an http(s) URL, got ${describeValue(maskUrlCredentials(value))}`;
    }
    return undefined;
  },
  async test(connection, options) {
    const { testConnection } = await import("../../chat-completion/test-connection.js");
    return testConnection(connection, options);
  },
  promptflow: { types: ["open_ai"], toConnection: convertOpenAi },
});
