import { defineNodeType, FlowError, type ResolvedConnection, type Secret } from "@weft/engine";
import { z } from "zod";
import { azureAiSearchConnectionKind } from "../connection-kinds/azure-ai-search/azure-ai-search.js";
import { parseSearchEndpoint } from "../connection-kinds/azure-ai-search/endpoint.js";
import { type LookupInput, lookupInputSchema, queryTypeOf } from "./lookup-input.js";
import { callSearch, type SearchCall } from "./search-call.js";

/** How many hits a lookup returns when `top` is not set. */
export const DEFAULT_LOOKUP_TOP = 3;

/** What an index lookup node outputs, as a schema: for apps that check the results they read. */
export const indexLookupOutputSchema = z.object({
  results: z
    .array(
      z.object({
        score: z.number().describe("The service's relevance score (@search.score)."),
        rerankerScore: z.number().optional().describe("The semantic ranker's score (semantic queries)."),
        document: z.record(z.string(), z.unknown()).describe("The document's selected fields."),
      }),
    )
    .describe("The hits, best first, at most `top`."),
  connection: z
    .object({
      source: z.enum(["dynamic", "static"]),
      host: z.string(),
      name: z.string().optional(),
    })
    .describe("Which connection answered: never the key."),
});

/** What an index lookup node outputs. */
export type IndexLookupOutput = z.infer<typeof indexLookupOutputSchema>;

/**
 * Searches an Azure AI Search index (keyword, vector, hybrid or semantic) through the official
 * client, with the connection chosen by the override rule: a dynamic connection wins.
 */
export const indexLookup = defineNodeType({
  type: "index-lookup",
  description: "Searches an Azure AI Search index: keyword, vector, hybrid or semantic.",
  input: lookupInputSchema,
  output: indexLookupOutputSchema,
  usesConnection: true,
  connectionKinds: [azureAiSearchConnectionKind],
  retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 20_000 },
  async run(input, context): Promise<IndexLookupOutput> {
    const service = await context.connection();
    const { connection } = service;
    if (connection.type !== azureAiSearchConnectionKind.type) {
      throw new FlowError(
        "connection.invalid",
        `index-lookup needs an azure-ai-search connection, got a ${connection.type} one`,
        { nodeId: context.nodeId },
      );
    }
    const endpoint = parseSearchEndpoint(connection.endpoint as string, { nodeId: context.nodeId });
    const target = {
      endpoint,
      apiKey: (connection.apiKey as Secret).reveal(),
      ...(typeof connection.apiVersion === "string" ? { apiVersion: connection.apiVersion } : {}),
      maxResponseBytes: context.maxResponseBytes,
    };
    const call = describeCall(input, context.nodeId);
    // The request's deadline (requestTimeoutMs) is in the signal the slot hands over.
    const results = await service.call((signal) => callSearch(target, { ...call, signal }));
    return { results, connection: describeConnection(service, endpoint.host) };
  },
});

/** The search to send, from the node's checked inputs. */
function describeCall(input: LookupInput, nodeId: string): Omit<SearchCall, "signal"> {
  const type = queryTypeOf(input);
  return {
    index: input.index,
    ...(type === "vector" ? {} : { searchText: input.query as string }),
    ranking: type === "semantic" ? "semantic" : "simple",
    ...(input.semanticConfiguration ? { semanticConfiguration: input.semanticConfiguration } : {}),
    ...(input.vector && input.vectorFields
      ? { vector: { values: input.vector, fields: input.vectorFields } }
      : {}),
    top: input.top ?? DEFAULT_LOOKUP_TOP,
    ...(input.select ? { select: input.select } : {}),
    ...(input.filter ? { filter: input.filter } : {}),
    nodeId,
  };
}

function describeConnection(resolved: ResolvedConnection, host: string): IndexLookupOutput["connection"] {
  return { source: resolved.source, host, ...(resolved.name ? { name: resolved.name } : {}) };
}
