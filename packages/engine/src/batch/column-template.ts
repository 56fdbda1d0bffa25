import { FlowError } from "../errors/flow-error.js";
import { clip, echo } from "../flow/echo.js";
import { readPath, stringifyForInterpolation } from "../flow/references.js";
import type { BatchRow } from "./batch-options.js";

/**
 * A batch's `map` value, parsed: `${data.<column>}` alone keeps the column's value and its type;
 * with text around it (or several), the values are written into the text. `$${` writes `${`.
 */
export interface ColumnTemplate {
  /** The template as written, for messages. */
  readonly text: string;
  /** Literal text and column names, in order; a column is `{ column }`. */
  readonly parts: ReadonlyArray<string | { column: string }>;
  /** Every column the template reads. */
  readonly columns: readonly string[];
}

const PREFIX = "data.";

/** Parses a `map` template; anything inside `${…}` but `data.<column>` is refused, naming `where`. */
export function parseColumnTemplate(text: string, where: string): ColumnTemplate {
  const parts: Array<string | { column: string }> = [];
  const columns: string[] = [];
  let literal = "";
  let at = 0;
  while (at < text.length) {
    const dollar = text.indexOf("$", at);
    if (dollar === -1) {
      literal += text.slice(at);
      break;
    }
    literal += text.slice(at, dollar);
    at = dollar;
    if (text.startsWith("$${", at)) {
      literal += "${";
      at += 3;
      continue;
    }
    if (!text.startsWith("${", at)) {
      literal += "$";
      at++;
      continue;
    }
    const end = text.indexOf("}", at + 2);
    if (end === -1) throw invalid(where, `unclosed reference in ${echo(text)}: expected a closing "}"`);
    const body = text.slice(at + 2, end).trim();
    if (!body.startsWith(PREFIX) || body.length === PREFIX.length) {
      throw invalid(where, `expected \${data.<column>} in ${echo(text)}, got \${${clip(body)}}`);
    }
    if (literal) parts.push(literal);
    literal = "";
    const column = body.slice(PREFIX.length);
    parts.push({ column });
    columns.push(column);
    at = end + 1;
  }
  if (literal || parts.length === 0) parts.push(literal);
  return { text, parts, columns };
}

/**
 * The template's value for a row; `undefined` when a column it reads is missing (the input then
 * takes its default, or the row fails for a missing required input).
 */
export function evaluateColumnTemplate(template: ColumnTemplate, row: BatchRow): unknown {
  const { parts } = template;
  if (parts.length === 1) {
    const only = parts[0]!;
    return typeof only === "string" ? only : columnValue(row, only.column);
  }
  let text = "";
  for (const part of parts) {
    if (typeof part === "string") {
      text += part;
      continue;
    }
    const value = columnValue(row, part.column);
    if (value === undefined) return undefined;
    text += stringifyForInterpolation(value);
  }
  return text;
}

/** Whether the row has the column (by its whole name, or as a dotted path into nested values). */
export function hasColumn(row: BatchRow, column: string): boolean {
  return columnValue(row, column) !== undefined;
}

/**
 * A column by its whole name first (CSV headers may hold dots), else as a dotted path into a
 * JSONL row's nested objects. Own properties only: `${data.constructor}` is a missing column.
 */
function columnValue(row: BatchRow, column: string): unknown {
  if (Object.hasOwn(row, column)) return row[column];
  return column.includes(".") ? readPath(row, column.split(".")) : undefined;
}

function invalid(where: string, message: string): FlowError {
  return new FlowError("input.invalid", `${where}: ${message}`);
}
