import type { SearchDocument } from "./types.js";

/** A parsed filter: keeps the documents it accepts. */
export type DocumentFilter = (document: SearchDocument) => boolean;

const comparison =
  /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(eq|ne)\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false|null)\s*$/;

/**
 * The OData filters the offline service understands: `field eq value` and `field ne value`, with
 * a quoted text (`''` for a quote), a number, `true`, `false` or `null`, joined by `and`. Anything
 * else is `undefined`: the caller answers 400 as the service does for a filter it cannot parse.
 */
export function parseFilter(filter: string): DocumentFilter | undefined {
  const parts = filter.split(/\s+and\s+/);
  const tests: DocumentFilter[] = [];
  for (const part of parts) {
    const match = comparison.exec(part);
    if (!match) return undefined;
    const [, field = "", operator, literal = ""] = match;
    const expected = parseLiteral(literal);
    tests.push((document) => {
      const actual = Object.hasOwn(document, field) ? document[field] : null;
      return operator === "eq" ? actual === expected : actual !== expected;
    });
  }
  return (document) => tests.every((test) => test(document));
}

function parseLiteral(literal: string): unknown {
  if (literal.startsWith("'")) return literal.slice(1, -1).replaceAll("''", "'");
  if (literal === "true") return true;
  if (literal === "false") return false;
  if (literal === "null") return null;
  return Number(literal);
}
