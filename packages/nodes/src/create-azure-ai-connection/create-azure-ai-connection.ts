import { connectionSchema, defineNodeType, FlowError, Secret, secretSchema } from "@weft/engine";
import { z } from "zod";
import { type AzureAiConnection, azureAiConnectionKind } from "../connection-kinds/azure-ai/azure-ai.js";
import { classifyAzureEndpoint } from "../connection-kinds/azure-ai/endpoint.js";

/**
 * An endpoint of one of the two accepted shapes. Part of the input schema, so that a literal
 * endpoint is checked when the flow is validated, before anything runs.
 */
const acceptedEndpoint = z.superRefine<string>((endpoint, context) => {
  try {
    classifyAzureEndpoint(endpoint);
  } catch (error) {
    context.addIssue({ code: "custom", message: (error as Error).message, input: endpoint });
  }
});

/**
 * Builds an Azure AI connection while the flow runs (for example from one customer's own key and
 * endpoint) and stores it in a variable, for a chat node's `dynamicConnection`.
 */
export const createAzureAiConnection = defineNodeType({
  type: "create-azure-ai-connection",
  description: "Creates an Azure AI connection at run time and stores it in a variable.",
  input: z
    .object({
      apiKey: z
        .union([secretSchema, z.string().min(1, "expected a non-empty API key")])
        .describe("The API key: a secret input or variable (never write a key into a flow file)."),
      endpoint: z
        .string()
        .check(acceptedEndpoint)
        .describe(
          "https://<resource>.services.ai.azure.com/models (Foundry) or https://<resource>.openai.azure.com/openai/deployments/<deployment> (Azure OpenAI).",
        ),
      variable: z.string().describe("The variable the connection is written to (a literal)."),
      apiVersion: z
        .string()
        .min(1)
        .optional()
        .describe("The api-version to send; defaults per endpoint kind."),
      name: z.string().min(1).optional().describe("A label for the connection, shown in run results."),
      maxConcurrency: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Requests in flight at once through this connection, across runs."),
      requestsPerMinute: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Requests started through this connection in any 60 seconds, across runs."),
      tokensPerMinute: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(
          "Tokens used through this connection in any 60 seconds, across runs (estimated, then counted).",
        ),
    })
    .strict(),
  // Checked as an azure-ai connection once: the chat node that uses it does not check it again.
  output: connectionSchema(azureAiConnectionKind) as z.ZodType<AzureAiConnection>,
  writes: { input: "variable" },
  connectionKinds: [azureAiConnectionKind],
  run(input, context): AzureAiConnection {
    const endpoint = classifyAzureEndpoint(input.endpoint, {
      nodeId: context.nodeId,
      path: "inputs.endpoint",
    });
    const apiVersion = input.apiVersion ?? endpoint.apiVersion;
    // A secret input is not checked by the schema's `min(1)`; keys read from files often end in a newline.
    const apiKey = (input.apiKey instanceof Secret ? input.apiKey.reveal() : input.apiKey).trim();
    if (apiKey === "") {
      throw new FlowError(
        "node.input",
        "invalid input for create-azure-ai-connection: inputs.apiKey: expected a non-empty API key",
        { nodeId: context.nodeId, path: "inputs.apiKey" },
      );
    }
    return {
      type: "azure-ai",
      ...(input.name ? { name: input.name } : {}),
      endpoint: endpoint.url,
      apiKey: context.secret(apiKey),
      ...(apiVersion ? { apiVersion } : {}),
      ...(input.maxConcurrency ? { maxConcurrency: input.maxConcurrency } : {}),
      ...(input.requestsPerMinute ? { requestsPerMinute: input.requestsPerMinute } : {}),
      ...(input.tokensPerMinute ? { tokensPerMinute: input.tokensPerMinute } : {}),
    };
  },
});
