import { type AnyConnectionKind, type ConnectionKinds, FlowError, secretSchema } from "@weft/engine";
import { z } from "zod";

/** The inputs every `create-connection` node has, whatever the kind; no kind's field may be named so. */
export const COMMON_INPUTS = ["type", "variable", "name", "maxConcurrency"] as const;

/**
 * The inputs of `create-connection` for one kind: `type` (that kind), `variable`, `name`, and the
 * kind's own fields with its schemas and checks. A secret field takes a secret input or variable
 * (or a string, made a secret when the node runs); a record of secrets takes such values per entry.
 */
export function inputsForKind(kind: AnyConnectionKind, kinds: ConnectionKinds): z.ZodObject {
  const schema = kinds.schema(kind.type);
  const fields = kinds.fields(kind.type) ?? [];
  const own = (schema?.shape ?? {}) as Record<string, z.ZodType>;
  const shape: Record<string, z.ZodType> = {
    type: z.literal(kind.type).describe(kind.description),
  };
  for (const field of fields) {
    const original = own[field.name];
    if (original === undefined) continue;
    let input: z.ZodType;
    if (field.secret === "value") {
      input = secretInput.describe(`${field.description ?? field.name}: a secret input or variable`);
    } else if (field.secret === "entries") {
      input = z
        .record(z.string(), secretInput)
        .describe(`${field.description ?? field.name}: secret inputs or variables`);
    } else {
      input = withFieldCheck(original, kind, field.name);
    }
    shape[field.name] = field.optional && field.secret !== undefined ? input.optional() : input;
  }
  shape.variable = z.string().describe("The variable the connection is written to (a literal).");
  shape.name = z.string().min(1).optional().describe("A label for the connection, shown in run results.");
  return z.object(shape).strict();
}

/** A secret's value: a `Secret` (a secret input or variable) or text, never empty. */
const secretInput = z.union([z.string().trim().min(1, "expected a non-empty secret"), secretSchema], {
  error: (issue) =>
    issue.input === undefined
      ? "Invalid input: expected a secret (a secret input or variable), received undefined"
      : undefined,
});

/** A plain field's schema with the kind's own check of literal values (`checkField`) added. */
function withFieldCheck(schema: z.ZodType, kind: AnyConnectionKind, name: string): z.ZodType {
  const check = kind.checkField;
  if (check === undefined) return schema;
  return schema.superRefine((value, context) => {
    // What the kind's own schema refuses is reported once, by that schema.
    if (value === undefined || !schema.safeParse(value).success) return;
    let problem: string | undefined;
    try {
      problem = check(name, value);
    } catch (error) {
      problem = error instanceof FlowError ? error.message : String(error);
    }
    if (problem) context.addIssue({ code: "custom", message: problem, input: value });
  });
}
