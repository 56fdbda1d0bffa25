import { z } from "zod";
import { type ConnectionType, connectionSchema } from "./connection.js";

/** One field of a connection kind, as the store sees it. */
export interface ConnectionField {
  /** The field's name, such as `apiKey` or `configs`. */
  name: string;
  /**
   * `value`: the field is one secret (`apiKey`); `entries`: every value of the record is a
   * secret (a custom connection's `secrets`); unset: the field is plain.
   */
  secret?: "value" | "entries";
  /** Whether the field is a string-keyed record (`configs`, `secrets`). */
  record: boolean;
  /** Whether the field may be left out. */
  optional: boolean;
}

type AnySchema = z.core.$ZodType;

/** The kinds of connection the store accepts, in the order the schema lists them. */
export const CONNECTION_TYPES: readonly ConnectionType[] = connectionSchema.options.map(
  (option) => option.shape.type.value,
);

const fieldsByType = new Map<string, ConnectionField[]>(
  connectionSchema.options.map((option) => [option.shape.type.value, describeShape(option.shape)]),
);

/**
 * The fields of a connection kind (without `type` and `name`). Which fields are secret is read
 * from the connection schemas — `secretSchema` carries `.meta({ secret: true })` — so a field
 * added to a schema is encrypted by the store without anyone listing it here.
 */
export function connectionFields(type: string): ConnectionField[] | undefined {
  return fieldsByType.get(type);
}

/** The zod schema of one connection kind. */
export function connectionKindSchema(type: string) {
  return connectionSchema.options.find((option) => option.shape.type.value === type);
}

function describeShape(shape: Record<string, AnySchema>): ConnectionField[] {
  const fields: ConnectionField[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    if (name === "type" || name === "name") continue;
    const { inner, secret, optional } = unwrap(schema);
    if (inner instanceof z.ZodRecord) {
      const entries = unwrap(inner.valueType as AnySchema).secret;
      fields.push({ name, record: true, optional, ...(entries ? { secret: "entries" as const } : {}) });
    } else {
      fields.push({ name, record: false, optional, ...(secret ? { secret: "value" as const } : {}) });
    }
  }
  return fields;
}

/** Strips optional/nullable/default wrappers, noting a secret mark on any layer. */
function unwrap(schema: AnySchema): { inner: AnySchema; secret: boolean; optional: boolean } {
  let current = schema;
  let secret = isMarkedSecret(current);
  let optional = false;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault
  ) {
    optional ||= !(current instanceof z.ZodNullable);
    current = current.unwrap() as AnySchema;
    secret ||= isMarkedSecret(current);
  }
  return { inner: current, secret, optional };
}

function isMarkedSecret(schema: AnySchema): boolean {
  return z.globalRegistry.get(schema)?.secret === true;
}
