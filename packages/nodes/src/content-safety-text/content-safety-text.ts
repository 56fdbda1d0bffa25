import { defineNodeType, FlowError, type ServiceConnection } from "@weft/engine";
import { z } from "zod";
import {
  type AzureContentSafetyConnection,
  azureContentSafetyConnectionKind,
} from "../connection-kinds/azure-content-safety/azure-content-safety.js";
import { type AnalyzeTextAnswer, analyzeText } from "../connection-kinds/azure-content-safety/client.js";
import {
  DEFAULT_CONTENT_SAFETY_API_VERSION,
  parseContentSafetyEndpoint,
} from "../connection-kinds/azure-content-safety/endpoint.js";
import { decide, HARM_CATEGORIES, SENSITIVITIES } from "./decision.js";

/** Content Safety analyses at most this many characters (Unicode code points) per request. */
export const MAX_CONTENT_SAFETY_TEXT_LENGTH = 10_000;

const sensitivity = (category: string) =>
  z
    .enum(SENSITIVITIES)
    .default("medium_sensitivity")
    .describe(`How readily ${category} content is rejected (default medium_sensitivity).`);

const inputSchema = z
  .object({
    text: z.string().describe(`The text to analyse, at most ${MAX_CONTENT_SAFETY_TEXT_LENGTH} characters.`),
    hate: sensitivity("hateful"),
    sexual: sensitivity("sexual"),
    selfHarm: sensitivity("self-harm"),
    violence: sensitivity("violent"),
    blocklistNames: z
      .array(z.string().min(1))
      .optional()
      .describe("Blocklists of the Content Safety resource to match the text against; any match rejects it."),
  })
  .strict();

const action = z.enum(["Accept", "Reject"]);

/** What a content-safety-text node outputs, as a schema. */
export const contentSafetyTextOutputSchema = z.object({
  suggestedAction: action.describe("Reject when any category or blocklist says so, else Accept."),
  actionByCategory: z
    .object({ Hate: action, SelfHarm: action, Sexual: action, Violence: action })
    .describe("The verdict per category, by its sensitivity."),
  categories: z
    .array(z.object({ category: z.string(), severity: z.number() }))
    .describe("The service's severities: 0 safe, 2 low, 4 medium, 6 high."),
  blocklistMatches: z
    .array(
      z.object({ blocklistName: z.string(), blocklistItemId: z.string(), blocklistItemText: z.string() }),
    )
    .describe("The blocklist items found in the text."),
  connection: z
    .object({ source: z.enum(["dynamic", "static"]), host: z.string(), name: z.string().optional() })
    .describe("Which connection answered: never the key."),
});

/** What a content-safety-text node outputs. */
export type ContentSafetyTextOutput = z.infer<typeof contentSafetyTextOutputSchema>;

/**
 * The Content Safety (Text) tool: analyses a text with Azure AI Content Safety through the official
 * client and decides Accept or Reject the way promptflow's tool does.
 */
export const contentSafetyText = defineNodeType({
  type: "content-safety-text",
  description: "Analyses a text with Azure AI Content Safety and suggests Accept or Reject.",
  input: inputSchema,
  output: contentSafetyTextOutputSchema,
  usesConnection: true,
  connectionKinds: [azureContentSafetyConnectionKind],
  retry: { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 20_000 },
  async run(input, context): Promise<ContentSafetyTextOutput> {
    // UTF-16 units are never fewer than code points: only a long text needs counting.
    const length = input.text.length > MAX_CONTENT_SAFETY_TEXT_LENGTH ? [...input.text].length : 0;
    if (length > MAX_CONTENT_SAFETY_TEXT_LENGTH) {
      throw new FlowError(
        "node.input",
        `invalid input for content-safety-text: inputs.text: expected at most ${MAX_CONTENT_SAFETY_TEXT_LENGTH} characters (the most Content Safety analyses in one request), got ${length}`,
        { nodeId: context.nodeId, path: "inputs.text" },
      );
    }
    const service = await context.connection();
    const connection = service.connection;
    if (connection.type !== azureContentSafetyConnectionKind.type) {
      throw new FlowError(
        "connection.invalid",
        `content-safety-text needs an azure-content-safety connection, got a ${connection.type} one`,
        { nodeId: context.nodeId },
      );
    }
    const { endpoint: endpointText, apiKey, apiVersion } = connection as AzureContentSafetyConnection;
    const endpoint = parseContentSafetyEndpoint(endpointText, { nodeId: context.nodeId });
    // Nothing to analyse (the service refuses an empty text): nothing to reject.
    const answer: AnalyzeTextAnswer =
      input.text.trim() === ""
        ? { categoriesAnalysis: [], blocklistsMatch: [] }
        : await service.call((signal) =>
            analyzeText(
              {
                endpoint,
                apiVersion: apiVersion ?? endpoint.apiVersion ?? DEFAULT_CONTENT_SAFETY_API_VERSION,
                apiKey: apiKey.reveal(),
                signal,
                maxResponseBytes: context.maxResponseBytes,
                nodeId: context.nodeId,
              },
              {
                text: input.text,
                categories: [...HARM_CATEGORIES],
                ...(input.blocklistNames?.length ? { blocklistNames: input.blocklistNames } : {}),
                outputType: "FourSeverityLevels",
              },
            ),
          );
    const severities = new Map(answer.categoriesAnalysis.map((item) => [item.category, item.severity]));
    const sensitivities = {
      Hate: input.hate,
      SelfHarm: input.selfHarm,
      Sexual: input.sexual,
      Violence: input.violence,
    };
    return {
      ...decide(severities, sensitivities, answer.blocklistsMatch.length > 0),
      categories: answer.categoriesAnalysis,
      blocklistMatches: answer.blocklistsMatch,
      connection: describeConnection(service, endpoint.host),
    };
  },
});

function describeConnection(service: ServiceConnection, host: string): ContentSafetyTextOutput["connection"] {
  return { source: service.source, host, ...(service.name ? { name: service.name } : {}) };
}
