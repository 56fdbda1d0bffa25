import { z } from "zod";

/** How often a schema is checked, and its compiled twin (`z.compile`) once it has one. */
interface CheckedSchema {
  checks: number;
  compiled?: z.ZodType;
}

const checkedSchemas = new WeakMap<z.ZodType, CheckedSchema>();

/**
 * How many checks of a schema go to zod's interpreter before the schema is compiled. Compiling
 * a built-in schema costs about what 4,000–20,000 checks then save (0.3–4 ms a schema, more for a
 * large union, against 0.04–0.4 µs a check), so a schema checked a few times (`weft run`, a short
 * batch) is never compiled, and one checked without end (an app, a long batch) pays for its
 * compiling within about as many checks again.
 */
export const CHECKS_BEFORE_COMPILING = 10_000;

/**
 * How many checks of a schema zod makes without generating code for its objects: it writes and
 * compiles a function per object schema on the first parse, which costs a schema checked once or
 * twice (a `weft run`) more than it saves.
 */
const CHECKS_WITHOUT_GENERATED_CODE = 100;
/** Parse options that keep zod from generating code. */
const WITHOUT_GENERATED_CODE = { jitless: true };

/**
 * `schema.safeParse(value)`, through zod's ahead-of-time compiled parser once the schema has been
 * checked `checksBeforeCompiling` times. A valid value takes the generated fast path, which gives
 * what the interpreter gives (the same output, the same copies); an invalid one is parsed again
 * by the interpreter, so every error is zod's own. The one difference: a refinement may run twice
 * on an invalid value (in the fast path, then in the interpreter). A schema the compiler cannot
 * model keeps the interpreter, and so does one that holds schemas of another zod version (an
 * app's node type built with its own zod: the compiler knows this version's rules only), and any
 * schema whose turn to be compiled comes after the app turned zod's code generation off
 * (`z.config({ jitless: true })`).
 */
export function checkWith<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  checksBeforeCompiling = CHECKS_BEFORE_COMPILING,
): z.ZodSafeParseResult<z.output<Schema>> {
  let checked = checkedSchemas.get(schema);
  if (checked === undefined) {
    checked = { checks: 0 };
    checkedSchemas.set(schema, checked);
  }
  if (checked.compiled === undefined) {
    if (checked.checks < checksBeforeCompiling) {
      checked.checks += 1;
      return checked.checks <= CHECKS_WITHOUT_GENERATED_CODE
        ? checkOnce(schema, value)
        : schema.safeParse(value);
    }
    checked.compiled = !z.config().jitless && compilable(schema) ? z.compile(schema) : schema;
  }
  return (checked.compiled as Schema).safeParse(value);
}

/** `schema.safeParse(value)` for a check made once or seldom: zod generates no code for it. */
export function checkOnce<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): z.ZodSafeParseResult<z.output<Schema>> {
  return schema.safeParse(value, WITHOUT_GENERATED_CODE);
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
