import { z } from "zod";

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
  /** Whether the value is a number (otherwise text, or text entries). */
  number?: true;
  /** The schema's description, for help texts. */
  description?: string;
}

type AnySchema = z.core.$ZodType;

/**
 * The fields of a connection schema (without `type` and `name`). Which fields are secret is read
 * from the schema — `secretField()` carries `.meta({ secret: true })` — so a field added to a
 * kind is encrypted by the store without anyone listing it.
 */
export function describeConnectionFields(schema: z.ZodObject): ConnectionField[] {
  return describeShape(schema.shape as Record<string, AnySchema>);
}

function describeShape(shape: Record<string, AnySchema>): ConnectionField[] {
  const fields: ConnectionField[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    if (name === "type" || name === "name") continue;
    const { inner, secret, optional, description } = unwrap(schema);
    const described = description === undefined ? {} : { description };
    if (inner instanceof z.ZodRecord) {
      const entries = unwrap(inner.valueType as AnySchema).secret;
      fields.push({
        name,
        record: true,
        optional,
        ...(entries ? { secret: "entries" as const } : {}),
        ...described,
      });
    } else {
      fields.push({
        name,
        record: false,
        optional,
        ...(secret ? { secret: "value" as const } : {}),
        ...(inner instanceof z.ZodNumber ? { number: true as const } : {}),
        ...described,
      });
    }
  }
  return fields;
}

/** Strips optional/nullable/default wrappers, noting a secret mark on any layer. */
function unwrap(schema: AnySchema): {
  inner: AnySchema;
  secret: boolean;
  optional: boolean;
  description?: string;
} {
  let current = schema;
  let secret = isMarkedSecret(current);
  let description = z.globalRegistry.get(current)?.description;
  let optional = false;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault
  ) {
    optional ||= !(current instanceof z.ZodNullable);
    current = current.unwrap() as AnySchema;
    secret ||= isMarkedSecret(current);
    description ??= z.globalRegistry.get(current)?.description;
  }
  return { inner: current, secret, optional, ...(description === undefined ? {} : { description }) };
}

function isMarkedSecret(schema: AnySchema): boolean {
  return z.globalRegistry.get(schema)?.secret === true;
}
