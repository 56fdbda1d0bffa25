import type { z } from "zod";
import { describeValue } from "../errors/flow-error.js";
import { didYouMean } from "../flow/closest-names.js";
import type { Reference } from "../flow/references.js";
import { MAX_ECHOED_STRING_LENGTH } from "../limits.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";

/** Where a path stops leading anywhere in the values a schema describes. */
export interface OutputPathProblem {
  /** The index of the first segment no value can have. */
  depth: number;
  /** The field names known where the path stopped (empty when the value there has no fields). */
  fields: string[];
  /** What the value is where the path stopped, when it is not an object: "a string", "an array". */
  leaf?: string;
}

/** Schemas looked through at most for one path: a lazy schema may refer to itself without end. */
const MAX_SCHEMA_DEPTH = 64;

/**
 * Whether values of `schema` can have something at `path` (property names; array indices as
 * digits), or where the path stops. Objects have their declared fields (any field with a
 * catch-all); optional, nullable and similar wrappers are looked through; arrays take indices;
 * a union or intersection allows a path that any of its members allows. Records, `unknown`,
 * `any` and schemas that cannot be looked into (custom checks, transforms) allow every path.
 */
export function findOutputPathProblem(
  schema: z.core.$ZodType,
  path: readonly string[],
): OutputPathProblem | undefined {
  return walk(schema, path, 0, 0);
}

function walk(
  schema: z.core.$ZodType,
  path: readonly string[],
  depth: number,
  nesting: number,
): OutputPathProblem | undefined {
  if (depth >= path.length || nesting > MAX_SCHEMA_DEPTH) return undefined;
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  const segment = path[depth]!;
  const inner = (next: unknown, nextDepth = depth) =>
    walk(next as z.core.$ZodType, path, nextDepth, nesting + 1);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      return inner(def.innerType);
    case "lazy":
      return inner((def.getter as () => unknown)());
    case "pipe":
      // The value kept is the one the node returned: either side of a pipe may describe it.
      return firstOf([inner(def.in), inner(def.out)]);
    case "union":
      return firstOf((def.options as unknown[]).map((option) => inner(option)));
    case "intersection":
      return firstOf([inner(def.left), inner(def.right)]);
    case "object": {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      if (Object.hasOwn(shape, segment)) return inner(shape[segment], depth + 1);
      const catchall = def.catchall as z.core.$ZodType | undefined;
      if (catchall !== undefined && catchall._zod.def.type !== "never") return inner(catchall, depth + 1);
      return { depth, fields: Object.keys(shape) };
    }
    case "array":
      if (/^\d+$/.test(segment)) return inner(def.element, depth + 1);
      if (segment === "length") return walkNumber(path, depth + 1);
      return { depth, fields: [], leaf: "an array" };
    case "tuple": {
      const items = def.items as z.core.$ZodType[];
      const rest = def.rest as z.core.$ZodType | null | undefined;
      if (/^\d+$/.test(segment)) {
        const item = items[Number(segment)] ?? rest ?? undefined;
        if (item !== undefined) return inner(item, depth + 1);
      }
      if (segment === "length") return walkNumber(path, depth + 1);
      return { depth, fields: [], leaf: `an array of ${items.length}` };
    }
    case "string":
    case "template_literal":
      return { depth, fields: [], leaf: "a string" };
    case "number":
    case "int":
    case "bigint":
    case "nan":
      return { depth, fields: [], leaf: "a number" };
    case "boolean":
      return { depth, fields: [], leaf: "a boolean" };
    case "null":
    case "undefined":
    case "void":
    case "never":
      return { depth, fields: [], leaf: "nothing" };
    case "enum":
    case "literal":
      return { depth, fields: [], leaf: "a fixed value" };
    case "date":
      return { depth, fields: [], leaf: "a date" };
    default:
      // any, unknown, record, map, set, custom, transform, promise, function, ...: not known.
      return undefined;
  }
}

function walkNumber(path: readonly string[], depth: number): OutputPathProblem | undefined {
  return depth >= path.length ? undefined : { depth, fields: [], leaf: "a number" };
}

/**
 * `undefined` (allowed) if any member allows the path; otherwise the problem found deepest, with
 * the fields of every member that stopped at that depth.
 */
function firstOf(problems: Array<OutputPathProblem | undefined>): OutputPathProblem | undefined {
  if (problems.some((problem) => problem === undefined)) return undefined;
  const found = problems as OutputPathProblem[];
  const deepest = Math.max(...found.map((problem) => problem.depth));
  const atDeepest = found.filter((problem) => problem.depth === deepest);
  const fields = [...new Set(atDeepest.flatMap((problem) => problem.fields))];
  const leaf = fields.length === 0 ? atDeepest.find((problem) => problem.leaf)?.leaf : undefined;
  return { depth: deepest, fields, ...(leaf === undefined ? {} : { leaf }) };
}

/**
 * Checks a `${nodes.<id>.output.<path>}` reference against the output schema of the node type it
 * reads; returns what is wrong, or `undefined` when the path may exist. A node type without an
 * output schema allows every path.
 */
export function checkOutputPath(
  reference: Extract<Reference, { scope: "nodes" }>,
  nodeType: AnyNodeType | undefined,
): string | undefined {
  if (nodeType?.output === undefined || reference.path.length === 0) return undefined;
  const problem = findOutputPathProblem(nodeType.output, reference.path);
  if (problem === undefined) return undefined;
  const segment = reference.path[problem.depth]!;
  const where = cut(["output", ...reference.path.slice(0, problem.depth)].join("."));
  const owner = `node "${reference.nodeId}" (${nodeType.type})`;
  const source = cut(reference.source);
  const field = describeValue(segment);
  if (problem.fields.length > 0) {
    return `${source}: ${where} of ${owner} has no field ${field}${didYouMean(segment, problem.fields)}; expected one of ${problem.fields.join(", ")}`;
  }
  const what = problem.leaf ?? "a value without fields";
  return what.startsWith("an array")
    ? `${source}: ${where} of ${owner} is ${what}: expected an index (0, 1, …), got ${field}`
    : `${source}: ${where} of ${owner} is ${what}, which has no field ${field}`;
}

/** Paths are user text: echo a prefix of a long one. */
function cut(text: string): string {
  return text.length > MAX_ECHOED_STRING_LENGTH ? `${text.slice(0, MAX_ECHOED_STRING_LENGTH - 1)}…` : text;
}
