import { z } from "zod";
import { flowSchema, WHEN_OPERATORS, whenComparisonSchema } from "./schema.js";

/** What the JSON Schema needs of a node type: its name, its sentence and its input schema. */
export interface NodeTypeSchemaSource {
  readonly type: string;
  readonly description: string;
  readonly input: z.ZodType;
}

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

/** A string that is exactly one reference: it may stand for a value of any type. */
const REFERENCE_SCHEMA: JsonSchema = {
  type: "string",
  pattern: "^\\$\\{.*\\}$",
  description: "A reference (${inputs.x}, ${vars.x}, ${nodes.<id>.output...}) standing for the value.",
};
const REFERENCE = { $ref: "#/$defs/reference" };

/**
 * The flow file format as JSON Schema, for editors (`$schema`) and `weft schema`. Given node
 * types, each gets its own input schema: `nodes.items` says which types exist and, for each, which
 * `inputs` it takes (an `if`/`then` per type on `type`), so editors complete and check `inputs` per
 * node type. A value that is not a plain string may also be written as a reference. A node of a
 * type not listed is checked only as a node (a flow may use a plug-in the schema was made without).
 */
export function flowJsonSchema(nodeTypes: readonly NodeTypeSchemaSource[] = []): JsonSchema {
  const schema = z.toJSONSchema(flowSchema, {
    io: "input",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      // A check in code to zod; to an editor, "exactly one of" is a `oneOf` of required fields.
      if (zodSchema === whenComparisonSchema)
        jsonSchema.oneOf = WHEN_OPERATORS.map((operator) => ({ required: [operator] }));
    },
  }) as JsonSchema;
  if (nodeTypes.length > 0) addNodeTypes(schema, nodeTypes);
  return { ...schema, title: "Weft flow", $id: "https://weft.dev/schema/flow.schema.json" };
}

function addNodeTypes(schema: JsonSchema, nodeTypes: readonly NodeTypeSchemaSource[]): void {
  const nodes = (schema.properties as Record<string, JsonSchema>).nodes as JsonSchema;
  const item = nodes.items as JsonSchema;
  const properties = item.properties as Record<string, JsonSchema>;
  const sorted = [...nodeTypes].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  properties.type = {
    ...properties.type,
    anyOf: [
      ...sorted.map((nodeType) => ({ const: nodeType.type, description: nodeType.description })),
      { type: "string", minLength: 1 },
    ],
  };
  schema.$defs = { ...(schema.$defs as JsonSchema | undefined), reference: REFERENCE_SCHEMA };
  item.allOf = sorted.map((nodeType) => ({
    if: { properties: { type: { const: nodeType.type } }, required: ["type"] },
    // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword, not a thenable
    then: { properties: { inputs: inputSchemaOf(nodeType) } },
  }));
}

/** A node type's `inputs` as JSON Schema, each value allowed to be a reference instead. */
function inputSchemaOf(nodeType: NodeTypeSchemaSource): JsonSchema {
  const { $schema: _, ...schema } = z.toJSONSchema(nodeType.input, {
    io: "input",
    unrepresentable: "any",
    reused: "inline",
    cycles: "throw",
  }) as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  // A union of input objects (create-connection: one per connection kind), each member's values as above.
  if (properties === undefined) return { ...mapChildren(schema), description: nodeType.description };
  return {
    ...schema,
    description: nodeType.description,
    properties: Object.fromEntries(
      Object.entries(properties).map(([name, value]) => [name, allowReferences(value)]),
    ),
  };
}

/**
 * A value's schema that also accepts a reference wherever the value is not an unconstrained string
 * (a reference is a string, so it already passes those), at every depth.
 */
function allowReferences(schema: JsonSchema): JsonSchema {
  const inner = mapChildren(schema);
  if (acceptsAnyString(inner)) return inner;
  const { description, default: fallback, ...rest } = inner;
  return {
    ...(description === undefined ? {} : { description }),
    ...(fallback === undefined ? {} : { default: fallback }),
    anyOf: [rest, REFERENCE],
  };
}

/** Keywords that annotate and do not constrain (`secret` is the mark of `secretField()`). */
const ANNOTATIONS = new Set(["description", "default", "title", "examples", "secret"]);

/** Whether every string passes the schema: `{}` (any value) or a string without constraints. */
function acceptsAnyString(schema: JsonSchema): boolean {
  const keys = Object.keys(schema).filter((key) => !ANNOTATIONS.has(key));
  if (keys.length === 0) return true;
  if (schema.type === "string") return keys.length === 1;
  const anyOf = schema.anyOf as JsonSchema[] | undefined;
  return keys.length === 1 && Array.isArray(anyOf) && anyOf.some(acceptsAnyString);
}

/** The schema with `allowReferences` applied to the values it holds (properties, items, unions). */
function mapChildren(schema: JsonSchema): JsonSchema {
  // `secret` marks secret fields for Weft; to JSON Schema it is an unknown keyword.
  const { secret: _, ...out } = schema;
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (properties) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, value]) => [name, allowReferences(value)]),
    );
  }
  if (isSchema(schema.items)) out.items = allowReferences(schema.items);
  if (isSchema(schema.additionalProperties))
    out.additionalProperties = allowReferences(schema.additionalProperties);
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const list = schema[key];
    if (Array.isArray(list)) out[key] = list.map((member: JsonSchema) => mapChildren(member));
  }
  return out;
}

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
