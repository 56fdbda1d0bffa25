import type { ScoredIndex } from "./scoring.js";
import type { SearchRequestInfo } from "./types.js";

/** Azure AI Search's error envelope: `code` is usually empty, `message` says what is wrong. */
export function searchErrorBody(message: string, code = ""): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** The service's default `top`. */
const DEFAULT_TOP = 50;

type Read = { ok: true; request: SearchRequestInfo } | { ok: false; message: string };

/**
 * Reads a `docs/search.post.search` body as the service would, checking it against the index:
 * unknown fields, a vector field that is not one, an unknown semantic configuration and a wrong
 * `top` are each a 400 message, worded like the service's.
 */
export function readSearchRequest(
  text: string,
  index: { name: string; definition: ScoredIndex },
  context: { apiVersion?: string; keyName?: string },
): Read {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, message: "The request is invalid. Details: The request body is not valid JSON." };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return {
      ok: false,
      message: "The request is invalid. Details: parameters : The parameters are missing.",
    };
  }
  const fields = body as Record<string, unknown>;
  const known = new Set([
    ...Object.keys(index.definition.documents[0] ?? {}),
    ...allFields(index.definition),
  ]);
  const fail = (message: string): Read => ({ ok: false, message });

  const search = fields.search;
  if (search !== undefined && search !== null && typeof search !== "string") return fail(invalid("search"));
  const top = fields.top ?? DEFAULT_TOP;
  if (typeof top !== "number" || !Number.isInteger(top) || top < 0) return fail(invalid("top"));
  const queryType = fields.queryType ?? "simple";
  if (queryType !== "simple" && queryType !== "full" && queryType !== "semantic")
    return fail(invalid("queryType"));
  const semanticConfiguration = fields.semanticConfiguration;
  if (queryType === "semantic") {
    if (typeof semanticConfiguration !== "string" || semanticConfiguration === "") {
      return fail(
        "The request is invalid. Details: semanticConfiguration : A semantic configuration is required when queryType is 'semantic'.",
      );
    }
    if (!index.definition.semanticConfigurations.includes(semanticConfiguration)) {
      return fail(
        `Unknown semantic configuration '${semanticConfiguration}'. Parameter name: semanticConfiguration`,
      );
    }
  }
  const select = readFieldList(fields.select);
  if (select === null) return fail(invalid("select"));
  for (const name of select ?? []) {
    if (!known.has(name))
      return fail(
        `Invalid expression: Could not find a property named '${name}' on type 'search.document'.\r\nParameter name: $select`,
      );
  }
  const filter = fields.filter;
  if (filter !== undefined && filter !== null && typeof filter !== "string") return fail(invalid("filter"));

  const vectorQueries: SearchRequestInfo["vectorQueries"] = [];
  if (fields.vectorQueries !== undefined && fields.vectorQueries !== null) {
    if (!Array.isArray(fields.vectorQueries)) return fail(invalid("vectorQueries"));
    for (const query of fields.vectorQueries as unknown[]) {
      const { kind, vector, fields: names, k } = (query ?? {}) as Record<string, unknown>;
      if (kind !== "vector" || !Array.isArray(vector) || !vector.every((x) => typeof x === "number")) {
        return fail(invalid("vectorQueries"));
      }
      const vectorFields = readFieldList(names);
      if (!vectorFields?.length)
        return fail("The vector query's 'fields' property is required.\r\nParameter name: vector.fields");
      for (const name of vectorFields) {
        if (!index.definition.vectorFields.includes(name)) {
          return fail(
            `The field '${name}' in the vector field list is not a vector field.\r\nParameter name: vector.fields`,
          );
        }
      }
      if (k !== undefined && (typeof k !== "number" || !Number.isInteger(k) || k < 1))
        return fail(invalid("k"));
      vectorQueries.push({
        vector: vector as number[],
        fields: vectorFields,
        ...(typeof k === "number" ? { k } : {}),
      });
    }
  }
  return {
    ok: true,
    request: {
      index: index.name,
      ...(context.apiVersion === undefined ? {} : { apiVersion: context.apiVersion }),
      ...(context.keyName === undefined ? {} : { keyName: context.keyName }),
      ...(typeof search === "string" ? { search } : {}),
      queryType,
      ...(typeof semanticConfiguration === "string" ? { semanticConfiguration } : {}),
      vectorQueries,
      top,
      ...(select ? { select } : {}),
      ...(typeof filter === "string" ? { filter } : {}),
      body: fields,
    },
  };
}

function invalid(parameter: string): string {
  return `The request is invalid. Details: ${parameter} : The value is not valid.`;
}

/** A comma-joined list of names, `undefined` for none or `*`, `null` for a value that is not one. */
function readFieldList(value: unknown): string[] | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") return null;
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  return names.length === 0 || names.includes("*") ? undefined : names;
}

function allFields(index: ScoredIndex): string[] {
  const names = new Set<string>();
  for (const document of index.documents) for (const name of Object.keys(document)) names.add(name);
  return [...names];
}
