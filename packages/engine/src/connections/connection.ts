import { z } from "zod";
import { FlowError } from "../errors/flow-error.js";
import { Secret } from "../secrets/secret.js";

/** A `Secret`, as a zod schema. Connection fields built with it are masked wherever they show. */
export const secretSchema = z.instanceof(Secret, { message: "expected a secret" }).meta({ secret: true });

const maxConcurrency = z
  .number()
  .int()
  .positive()
  .optional()
  .describe("Requests in flight at once through this connection (a customer's quota). Unlimited if unset.");

/** An Azure AI connection: a Foundry `/models` endpoint or an Azure OpenAI deployment URL. */
export const azureAiConnectionSchema = z.object({
  type: z.literal("azure-ai"),
  name: z.string().optional(),
  endpoint: z.string(),
  apiKey: secretSchema,
  apiVersion: z.string().optional(),
  maxConcurrency,
});

/** An OpenAI (or OpenAI-compatible) connection. */
export const openAiConnectionSchema = z.object({
  type: z.literal("openai"),
  name: z.string().optional(),
  apiKey: secretSchema,
  baseUrl: z.string().optional(),
  organization: z.string().optional(),
  maxConcurrency,
});

/** Key-value settings for node types that apps add: `configs` are plain, `secrets` are masked. */
export const customConnectionSchema = z.object({
  type: z.literal("custom"),
  name: z.string().optional(),
  configs: z.record(z.string(), z.string()),
  secrets: z.record(z.string(), secretSchema),
  maxConcurrency,
});

/** Every kind of connection, told apart by `type`. */
export const connectionSchema = z.discriminatedUnion("type", [
  azureAiConnectionSchema,
  openAiConnectionSchema,
  customConnectionSchema,
]);

export type AzureAiConnection = z.infer<typeof azureAiConnectionSchema>;
export type OpenAiConnection = z.infer<typeof openAiConnectionSchema>;
export type CustomConnection = z.infer<typeof customConnectionSchema>;
/** How to reach a service: endpoint, key and limits. Keys are `Secret`s, so it prints masked. */
export type Connection = z.infer<typeof connectionSchema>;
export type ConnectionType = Connection["type"];

/** Whether a value is a connection (for example, what a `dynamicConnection` reference gave). */
export function isConnection(value: unknown): value is Connection {
  return connectionSchema.safeParse(value).success;
}

/** Every secret a connection holds, so a run can scrub them from what it lets out. */
export function connectionSecrets(connection: Connection): Secret[] {
  return connection.type === "custom" ? Object.values(connection.secrets) : [connection.apiKey];
}

/** A secret field as an app may give it: a plain string is wrapped in a `Secret`. */
const secretInput = z.union([z.string().transform((value) => new Secret(value)), secretSchema]);

const connectionInputSchema = z.discriminatedUnion("type", [
  azureAiConnectionSchema.extend({ apiKey: secretInput }),
  openAiConnectionSchema.extend({ apiKey: secretInput }),
  customConnectionSchema.extend({ secrets: z.record(z.string(), secretInput) }),
]);

/** A connection as an app may write it: secret fields may be plain strings (they are wrapped). */
export type ConnectionInput = z.input<typeof connectionInputSchema>;

/**
 * Makes a connection of what an app gave, wrapping secret fields given as plain strings in
 * `Secret`s; throws a `FlowError` naming the connection and the field when it is not a connection.
 */
export function toConnection(value: unknown, name: string): Connection {
  const parsed = connectionInputSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join(".");
  const types = connectionSchema.options.map((option) => option.shape.type.value);
  const message =
    issue.code === "invalid_union" && field === "type"
      ? `expected one of ${types.join(", ")}`
      : issue.message;
  throw new FlowError(
    "connection.invalid",
    `invalid connection "${name}": ${field ? `${field}: ` : ""}${message}`,
  );
}
