// A Weft plug-in: a connection kind for a JSON service reached with an API key, a node type that
// builds such a connection while a flow runs, and a node type that calls the service. Load it with
// `weft run … --plugin ./json-service.mjs`, or list it in a weft.config.mjs.
import { defineConnectionKind, defineNodeType, describeValue, FlowError, secretField } from "@weft/engine";
import { networkError, readErrorBody, readRetryAfter, serviceError } from "@weft/nodes";
import { z } from "zod";

/** `https://host/base/` + `v1/analyze`, whether or not the base URL ends in a slash. */
function serviceUrl(baseUrl, path) {
  return new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
}

function httpUrlProblem(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return `expected an http(s) URL, got ${describeValue(value)}`;
  }
  if (url.username || url.password) return "expected a URL without credentials (the key goes in apiKey)";
  return undefined;
}

const httpUrl = z.string().superRefine((value, context) => {
  const problem = httpUrlProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem, input: value });
});

/**
 * The connection kind: where the service is (`baseUrl`) and the key it wants (`apiKey`, a secret:
 * encrypted in the store, masked and scrubbed everywhere). Results and lists show the host; the
 * per-connection limit and usage tell connections apart by the base URL and the key.
 */
export const jsonServiceKind = defineConnectionKind({
  type: "json-service",
  description: "A JSON HTTP service reached with an API key (sent in the x-api-key header).",
  fields: z.object({
    baseUrl: httpUrl.describe("the service's base URL"),
    apiKey: secretField().describe("the API key"),
  }),
  endpointField: "baseUrl",
  label: (connection) => new URL(connection.baseUrl).host,
  identity: (connection) => [connection.baseUrl],
  checkField: (field, value) => (field === "baseUrl" ? httpUrlProblem(value) : undefined),
});

/**
 * Builds a json-service connection while the flow runs (for example from one customer's own key)
 * and writes it to a variable, for another node's `dynamicConnection`.
 */
export const createJsonServiceConnection = defineNodeType({
  type: "create-json-service-connection",
  description: "Creates a json-service connection at run time and stores it in a variable.",
  input: z
    .object({
      baseUrl: httpUrl.describe("The service's base URL."),
      apiKey: z
        .union([z.string().min(1, "expected a non-empty API key"), secretField()])
        .describe("The API key: a secret input or variable (never write a key into a flow file)."),
      variable: z.string().describe("The variable the connection is written to (a literal)."),
      name: z.string().min(1).optional().describe("A label for the connection, shown in run results."),
      maxConcurrency: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Requests in flight at once through this connection, across runs."),
    })
    .strict(),
  writes: { input: "variable" },
  connectionKinds: [jsonServiceKind],
  run(input, context) {
    return {
      type: "json-service",
      ...(input.name ? { name: input.name } : {}),
      baseUrl: input.baseUrl,
      // The run scrubs the key from everything it lets out, wherever it came from.
      apiKey: context.secret(input.apiKey),
      ...(input.maxConcurrency ? { maxConcurrency: input.maxConcurrency } : {}),
    };
  },
});

/** Reads a response body as text, refusing more than `maxBytes` (a hostile service cannot fill the memory). */
async function readBounded(response, maxBytes, where) {
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      throw new FlowError("llm.response-too-large", `${where.host} answered more than ${maxBytes} bytes`, {
        nodeId: where.nodeId,
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Asks the service about a text: `POST <baseUrl>/v1/analyze`. The connection comes from the
 * override rule (a dynamic connection wins over the static one); `service.call` holds a slot of the
 * connection's `maxConcurrency` for the request, and `service.reportUsage` counts the units it used.
 */
export const analyzeText = defineNodeType({
  type: "analyze-text",
  description: "Asks a json-service for a text's sentiment and word count.",
  input: z.object({ text: z.string().describe("The text to analyse.") }).strict(),
  output: z.object({
    sentiment: z.enum(["positive", "negative", "neutral"]),
    words: z.number(),
    connection: z.object({
      source: z.enum(["dynamic", "static"]),
      host: z.string(),
      name: z.string().optional(),
    }),
  }),
  usesConnection: true,
  connectionKinds: [jsonServiceKind],
  retry: { maxAttempts: 3, initialDelayMs: 200 },
  async run(input, context) {
    const service = await context.connection();
    const where = { nodeId: context.nodeId, host: service.label };
    const body = await service.call(async (signal) => {
      let response;
      try {
        response = await fetch(serviceUrl(service.connection.baseUrl, "v1/analyze"), {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": service.connection.apiKey.reveal() },
          body: JSON.stringify({ text: input.text }),
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw networkError(error instanceof Error ? error.message : String(error), where);
      }
      const text = await readBounded(response, context.maxResponseBytes, where);
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!response.ok) {
        const error = readErrorBody(parsed);
        const retryAfterMs = readRetryAfter((name) => response.headers.get(name));
        throw serviceError(
          {
            status: response.status,
            ...(error.code ? { code: error.code } : {}),
            message: error.message ?? response.statusText,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          },
          where,
        );
      }
      if (parsed === undefined) {
        throw new FlowError("llm.response", `${service.label} answered something that is not JSON`, {
          nodeId: context.nodeId,
        });
      }
      return parsed;
    });
    const units = { in: Number(body.usage?.inputUnits ?? 0), out: Number(body.usage?.outputUnits ?? 0) };
    service.reportUsage({
      promptTokens: units.in,
      completionTokens: units.out,
      totalTokens: units.in + units.out,
    });
    return {
      sentiment: body.sentiment,
      words: body.words,
      connection: {
        source: service.source,
        host: service.label,
        ...(service.name === undefined ? {} : { name: service.name }),
      },
    };
  },
});

/** What Weft loads: the plug-in's node types and connection kinds. */
export default {
  nodeTypes: [createJsonServiceConnection, analyzeText],
  connectionKinds: [jsonServiceKind],
};
