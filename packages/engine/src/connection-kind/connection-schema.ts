import { z } from "zod";
import type { AnyConnectionKind, ConnectionKind, ConnectionOf } from "./define-connection-kind.js";

const maxConcurrency = z
  .number()
  .int()
  .positive()
  .optional()
  .describe("Requests in flight at once through this connection (a customer's quota). Unlimited if unset.");
const requestsPerMinute = z
  .number()
  .int()
  .positive()
  .optional()
  .describe("Requests started through this connection in any 60 seconds, across runs. Unlimited if unset.");
const tokensPerMinute = z
  .number()
  .int()
  .positive()
  .optional()
  .describe(
    "Tokens used through this connection in any 60 seconds, across runs (estimated before a request, corrected after). Unlimited if unset.",
  );

/** The schema of each kind's connections, made once: an engine's registry and node types share it. */
const schemaByKind = new WeakMap<AnyConnectionKind, z.ZodObject>();
const kindBySchema = new WeakMap<z.ZodType, AnyConnectionKind>();

/**
 * The whole zod schema of a kind's connections: its fields with `type`, `name` and the limits
 * (`maxConcurrency`, `requestsPerMinute`, `tokensPerMinute`). As the `output` of a node type that builds connections of the kind (listed in
 * its `connectionKinds`), it makes the engine check the output as that kind's connection, once:
 * a later node that uses the output as its `dynamicConnection` does not check it again.
 */
export function connectionSchema<Fields extends z.ZodRawShape>(
  kind: ConnectionKind<Fields>,
): z.ZodType<ConnectionOf<Fields>> {
  let schema = schemaByKind.get(kind);
  if (schema === undefined) {
    schema = z
      .object({ type: z.literal(kind.type), name: z.string().optional() })
      .extend(kind.fields.shape)
      .extend({ maxConcurrency, requestsPerMinute, tokensPerMinute });
    schemaByKind.set(kind, schema);
    kindBySchema.set(schema, kind);
  }
  return schema as unknown as z.ZodType<ConnectionOf<Fields>>;
}

/** The kind whose `connectionSchema` this is, if it is one. */
export function connectionSchemaKind(schema: z.ZodType): AnyConnectionKind | undefined {
  return kindBySchema.get(schema);
}
