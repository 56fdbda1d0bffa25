import { FlowError } from "../errors/flow-error.js";
import { pathKey } from "../flow/issues.js";
import { findTooDeepInValue } from "../flow/nesting-depth.js";
import { MAX_BATCH_ROW_COLUMNS, MAX_BATCH_ROW_DEPTH } from "../limits.js";

/**
 * Why a row cannot be run (`batch.row`), or `undefined` when it can: a row is an object of column
 * values, with at most `MAX_BATCH_ROW_COLUMNS` columns, nested at most `MAX_BATCH_ROW_DEPTH` deep.
 * The walk uses an explicit stack: a row nested 100,000 deep is an error, not a stack overflow.
 */
export function checkRow(row: unknown): FlowError | undefined {
  if (row instanceof Error) return row instanceof FlowError ? row : new FlowError("batch.row", row.message);
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    return new FlowError("batch.row", `expected an object of column values, got ${kindOf(row)}`);
  }
  let columns = 0;
  for (const _ in row) {
    if (++columns > MAX_BATCH_ROW_COLUMNS) {
      return new FlowError(
        "batch.row",
        `expected at most ${MAX_BATCH_ROW_COLUMNS} columns, got more (${Object.keys(row).length})`,
      );
    }
  }
  const tooDeep = findTooDeepInValue(row, MAX_BATCH_ROW_DEPTH);
  if (tooDeep) {
    const path = tooDeep.path.slice(0, 3).map(pathKey).join("");
    return new FlowError(
      "batch.row",
      `nested deeper than ${MAX_BATCH_ROW_DEPTH} levels of arrays and objects (at ${path}…)`,
    );
  }
  return undefined;
}

/** What a value is, never what it holds: a row that is a bare string may be a key. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
