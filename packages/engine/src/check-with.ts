import { z } from "zod";

/**
 * Each schema's compiled twin (`z.compile`), made on its first check: node types and connection
 * kinds are long-lived values, and their schemas are checked on every run.
 */
const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();

/**
 * `schema.safeParse(value)`, through zod's ahead-of-time compiled parser. A valid value takes the
 * generated fast path, which gives what the interpreter gives (the same output, the same copies);
 * an invalid one is parsed again by the interpreter, so every error is zod's own. The one
 * difference: a refinement may run twice on an invalid value (in the fast path, then in the
 * interpreter). A schema the compiler cannot model keeps the interpreter, and so does one that
 * holds schemas of another zod version (an app's node type built with its own zod: the compiler
 * knows this version's rules only), or one first checked after the app turned zod's code
 * generation off (`z.config({ jitless: true })`).
 */
export function checkWith<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): z.ZodSafeParseResult<z.output<Schema>> {
  let compiled = compiledSchemas.get(schema);
  if (compiled === undefined) {
    compiled = !z.config().jitless && compilable(schema) ? z.compile(schema) : schema;
    compiledSchemas.set(schema, compiled);
  }
  return (compiled as Schema).safeParse(value);
}

function compilable(schema: z.ZodType): boolean {
  try {
    return ofThisZod(schema, new Set());
  } catch {
    // A definition that cannot be read (a `pick` of an unknown key) is left to the interpreter to report.
    return false;
  }
}

/** Whether a schema and every schema inside it (fields, options, items, refinements) come from this zod's version. */
function ofThisZod(schema: z.ZodType, seen: Set<object>): boolean {
  if (seen.has(schema)) return true;
  seen.add(schema);
  const { version, def } = schema._zod as { version?: typeof z.core.version; def: object };
  if (
    version?.major !== z.core.version.major ||
    version.minor !== z.core.version.minor ||
    version.patch !== z.core.version.patch ||
    // A lazy schema's inner schema is made when it is first parsed, out of sight here.
    (def as { type?: unknown }).type === "lazy"
  ) {
    return false;
  }
  // Schemas sit in the definition itself (inner types, catch-alls) or one level down (shapes, options, refinements).
  return Object.values(def).every((part) => {
    const parts = isSchema(part)
      ? [part]
      : typeof part === "object" && part !== null
        ? Object.values(part)
        : [];
    return parts.every((inner) => !isSchema(inner) || ofThisZod(inner, seen));
  });
}

/** A schema (a built-in check, such as a length or a bound, has no version: its rules are the version's). */
function isSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === "object" && value !== null && "_zod" in value && "version" in (value as z.ZodType)._zod
  );
}
