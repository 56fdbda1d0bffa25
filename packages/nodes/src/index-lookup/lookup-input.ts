import { z } from "zod";

/** Most numbers in `vector` (Azure AI Search's largest vector field has 4096 dimensions). */
export const MAX_VECTOR_DIMENSIONS = 4096;
/** Most hits asked for with `top` (the service's own maximum). */
export const MAX_LOOKUP_TOP = 1000;
/** Longest `query` and `filter`, in characters. */
export const MAX_LOOKUP_TEXT_LENGTH = 32_768;
/** Most fields named in `select` or `vectorFields`. */
export const MAX_LOOKUP_FIELDS = 1000;

/** How the index is searched. */
export const INDEX_QUERY_TYPES = ["keyword", "vector", "hybrid", "semantic"] as const;
/** How `index-lookup` searches: `keyword`, `vector`, `hybrid` or `semantic`. */
export type IndexQueryType = (typeof INDEX_QUERY_TYPES)[number];

const indexName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,127}$/,
    "expected an index name: lowercase letters, digits, - and _, starting with a letter or digit, at most 128 characters",
  );

/** One field name, names joined with commas, or an array of names; read into an array. */
const fieldList = z
  .union([z.string(), z.array(z.string())])
  .transform((value, context) => checkFields(typeof value === "string" ? value.split(",") : value, context));

const FIELD_NAME = /^(\*|[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*)$/;

function checkFields(list: string[], context: z.RefinementCtx): string[] {
  const names = list.map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) context.addIssue({ code: "custom", message: "expected at least one field name" });
  if (names.length > MAX_LOOKUP_FIELDS) {
    context.addIssue({ code: "custom", message: `expected at most ${MAX_LOOKUP_FIELDS} field names` });
  }
  const wrong = names.find((name) => !FIELD_NAME.test(name));
  if (wrong !== undefined) {
    context.addIssue({
      code: "custom",
      message: `expected field names (letters, digits and _, sub-fields joined with /), got ${JSON.stringify(wrong.slice(0, 80))}`,
    });
  }
  return names;
}

export const lookupInputSchema = z
  .object({
    index: indexName.describe("The index to search."),
    query: z
      .string()
      .min(1, 'expected a non-empty query ("*" matches every document)')
      .max(MAX_LOOKUP_TEXT_LENGTH)
      .optional()
      .describe("The search text (keyword, hybrid and semantic queries)."),
    vector: z
      .array(z.number())
      .min(1)
      .max(MAX_VECTOR_DIMENSIONS)
      .optional()
      .describe("The query vector, e.g. an embeddings node's output.embedding (vector and hybrid queries)."),
    vectorFields: fieldList
      .optional()
      .describe("The vector field(s) to compare `vector` with: a name, names joined with commas, or a list."),
    queryType: z
      .enum(INDEX_QUERY_TYPES)
      .optional()
      .describe(
        "keyword, vector, hybrid (text and vector, fused) or semantic (reranked); unset: hybrid with query and vector, vector with vector alone, else keyword.",
      ),
    semanticConfiguration: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("The index's semantic configuration (semantic queries only)."),
    top: z
      .number()
      .int()
      .min(1)
      .max(MAX_LOOKUP_TOP)
      .optional()
      .describe("How many hits to return (default 3)."),
    select: fieldList
      .optional()
      .describe("The fields of each document to return (default: every retrievable field)."),
    filter: z
      .string()
      .min(1)
      .max(MAX_LOOKUP_TEXT_LENGTH)
      .optional()
      .describe("An OData filter, e.g. category eq 'faq'."),
  })
  .strict()
  .superRefine((input, context) => {
    for (const problem of combinationProblems(input)) {
      context.addIssue({ code: "custom", message: problem.message, path: [problem.input] });
    }
  });

export type LookupInput = z.output<typeof lookupInputSchema>;

/** The query type a node asked for, or the one its inputs imply. */
export function queryTypeOf(input: Pick<LookupInput, "queryType" | "query" | "vector">): IndexQueryType {
  if (input.queryType) return input.queryType;
  if (input.vector !== undefined) return input.query === undefined ? "vector" : "hybrid";
  return "keyword";
}

/** What each query type needs and refuses, as messages naming the input at fault. */
export function combinationProblems(input: LookupInput): Array<{ input: string; message: string }> {
  const type = queryTypeOf(input);
  const problems: Array<{ input: string; message: string }> = [];
  const needs = (name: keyof LookupInput, why: string) => {
    if (input[name] === undefined)
      problems.push({ input: name, message: `queryType "${type}" needs "${name}"${why}` });
  };
  const refuses = (name: keyof LookupInput, instead: string) => {
    if (input[name] !== undefined)
      problems.push({ input: name, message: `queryType "${type}" does not use "${name}": ${instead}` });
  };
  if (type !== "vector") needs("query", ": the text to search for");
  if (type === "vector" || type === "hybrid") needs("vector", ": the query vector");
  if (type === "semantic")
    needs("semanticConfiguration", ": the index's semantic configuration to rerank with");
  if (type === "vector") refuses("query", 'use queryType "hybrid" to search text and vector together');
  if (type === "keyword") refuses("vector", 'use queryType "hybrid" to search text and vector together');
  if (type !== "semantic") refuses("semanticConfiguration", 'use queryType "semantic" to rerank');
  if (input.vector !== undefined && input.vectorFields === undefined) {
    problems.push({
      input: "vectorFields",
      message: '"vector" needs "vectorFields": the vector field(s) to compare it with',
    });
  }
  if (input.vectorFields !== undefined && input.vector === undefined && type !== "keyword") {
    problems.push({ input: "vector", message: '"vectorFields" needs "vector": the query vector' });
  } else if (input.vectorFields !== undefined && input.vector === undefined) {
    problems.push({ input: "vectorFields", message: `queryType "${type}" does not use "vectorFields"` });
  }
  // One message per input: "vector" may be both needed and refused only in impossible combinations.
  const seen = new Set<string>();
  return problems.filter((problem) => !seen.has(problem.input) && seen.add(problem.input));
}
