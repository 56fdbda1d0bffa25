import { defineNodeType, FlowError, isSecret, type ServiceConnection } from "@weft/engine";
import { z } from "zod";
import { serpConnectionKind } from "../connection-kinds/serp/serp.js";
import { callSerpApi, hostOf, serpBaseUrl } from "../connection-kinds/serp/serp-call.js";

const inputSchema = z
  .object({
    query: z.string().min(1, "expected a non-empty search query").describe("What to search for."),
    engine: z.enum(["google", "bing"]).default("google").describe("The search engine (default google)."),
    num: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe("How many results to ask for, 1 to 100 (default 10)."),
    location: z
      .string()
      .min(1)
      .optional()
      .describe('Where the search is made from, as SerpAPI names places ("Austin, Texas").'),
    safe: z.enum(["active", "off"]).default("off").describe("Safe search: active or off (default off)."),
  })
  .strict();

type WebSearchInput = z.output<typeof inputSchema>;

/** What a web search node outputs, as a schema. */
export const webSearchOutputSchema = z.object({
  organicResults: z
    .array(z.record(z.string(), z.unknown()))
    .describe("The organic results (position, title, link, snippet, …), [] when there are none."),
  response: z.record(z.string(), z.unknown()).describe("The service's whole JSON answer."),
  status: z
    .object({
      code: z.number().describe("The HTTP status (200)."),
      search: z
        .string()
        .describe("search_metadata.status (Success, …), or unknown when the answer has none."),
      id: z.string().optional().describe("search_metadata.id, the search's id at SerpAPI."),
      message: z.string().optional().describe("The service's note, such as why there are no results."),
    })
    .describe("How the search went; a search reports no token usage."),
  connection: z
    .object({ source: z.enum(["dynamic", "static"]), host: z.string(), name: z.string().optional() })
    .describe("Which connection answered: never the key."),
});

/** What a web search node outputs. */
export type WebSearchOutput = z.infer<typeof webSearchOutputSchema>;

/**
 * Searches the web through SerpAPI (the SerpAPI tool of promptflow): Google or Bing results as
 * JSON, on a `serp` connection chosen by the override rule.
 */
export const webSearch = defineNodeType({
  type: "web-search",
  description: "Searches the web through SerpAPI (Google or Bing) and returns the results as JSON.",
  input: inputSchema,
  output: webSearchOutputSchema,
  usesConnection: true,
  connectionKinds: [serpConnectionKind],
  retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 20_000 },
  async run(input, context): Promise<WebSearchOutput> {
    const service = await context.connection();
    const { connection } = service;
    if (connection.type !== "serp" || !isSecret(connection.apiKey)) {
      throw new FlowError(
        "connection.invalid",
        `web-search needs a serp connection, got a ${connection.type} one`,
        {
          nodeId: context.nodeId,
        },
      );
    }
    const baseUrl = serpBaseUrl(connection as { baseUrl?: string });
    const apiKey = connection.apiKey.reveal();
    const answer = await service.call((signal) =>
      callSerpApi({
        baseUrl,
        path: "/search",
        params: searchParams(input),
        apiKey,
        signal,
        maxResponseBytes: context.maxResponseBytes,
        nodeId: context.nodeId,
      }),
    );
    return readSearch(answer.status, answer.body, service, hostOf(baseUrl));
  },
});

/**
 * The query parameters, as the `serpapi` client and promptflow's tool send them: Google takes
 * `num` and `safe`, Bing `count` and `safeSearch` (`strict` for active). The key is added last.
 */
export function searchParams(input: WebSearchInput): Array<[string, string]> {
  const google = input.engine === "google";
  return [
    ["engine", input.engine],
    ["q", input.query],
    [google ? "num" : "count", String(input.num)],
    ...(input.location === undefined ? [] : [["location", input.location] as [string, string]]),
    google ? ["safe", input.safe] : ["safeSearch", input.safe === "active" ? "strict" : "off"],
    ["output", "json"],
  ];
}

function readSearch(
  code: number,
  body: Record<string, unknown>,
  service: ServiceConnection,
  host: string,
): WebSearchOutput {
  const metadata = isRecord(body.search_metadata) ? body.search_metadata : {};
  const organic = Array.isArray(body.organic_results) ? body.organic_results.filter(isRecord) : [];
  return {
    organicResults: organic,
    response: body,
    status: {
      code,
      search: typeof metadata.status === "string" ? metadata.status : "unknown",
      ...(typeof metadata.id === "string" ? { id: metadata.id } : {}),
      // SerpAPI answers 200 with `error` when a search finds nothing.
      ...(typeof body.error === "string" ? { message: body.error } : {}),
    },
    connection: { source: service.source, host, ...(service.name ? { name: service.name } : {}) },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
