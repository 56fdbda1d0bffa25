import { FlowError } from "../errors/flow-error.js";
import { expectedOneOf } from "../flow/closest-names.js";
import { clip, echo } from "../flow/echo.js";
import type { FlowInput } from "../flow/schema.js";
import { MAX_BATCH_MAPPINGS, MAX_SUGGESTED_NAMES } from "../limits.js";
import { coerceInputText } from "../run/flow-inputs.js";
import type { BatchOptions, BatchRow } from "./batch-options.js";
import {
  type ColumnTemplate,
  evaluateColumnTemplate,
  hasColumn,
  parseColumnTemplate,
} from "./column-template.js";

/** How each declared input of a flow gets its value from a row. */
export interface RowInputPlan {
  readonly declared: ReadonlyMap<string, FlowInput>;
  readonly mapped: ReadonlyMap<string, ColumnTemplate>;
  readonly constants: ReadonlyMap<string, unknown>;
  readonly textValues: boolean;
}

/**
 * Checks a batch's `map` and `inputs` against the flow's declared inputs, once, before any row
 * runs: an unknown input name or a template that is not over `${data.<column>}` is the batch's
 * error (`input.invalid`), with the names the flow declares.
 */
export function planRowInputs(
  declaredInputs: Readonly<Record<string, FlowInput>> | undefined,
  options: Pick<BatchOptions, "map" | "inputs" | "textValues">,
): RowInputPlan {
  const declared = new Map(Object.entries(declaredInputs ?? {}));
  const entries: Array<[string, string]> =
    options.map instanceof Map ? [...options.map] : Object.entries(options.map ?? {});
  if (entries.length > MAX_BATCH_MAPPINGS) {
    throw new FlowError(
      "input.invalid",
      `map: expected at most ${MAX_BATCH_MAPPINGS} mappings, got ${entries.length}`,
    );
  }
  const unknown = (name: string, where: string) =>
    new FlowError(
      "input.invalid",
      `${where}: unknown input ${echo(name)}: ${expectedOneOf(name, declared, "declared inputs", "(the flow declares no inputs)")}`,
    );
  const mapped = new Map<string, ColumnTemplate>();
  for (const [name, text] of entries) {
    if (!declared.has(name)) throw unknown(name, `map ${clip(name)}`);
    if (typeof text !== "string")
      throw new FlowError("input.invalid", `map ${echo(name)}: expected a template text, got ${typeof text}`);
    mapped.set(name, parseColumnTemplate(text, `map ${clip(name)}`));
  }
  const constants = new Map<string, unknown>();
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (!declared.has(name)) throw unknown(name, "inputs");
    constants.set(name, value);
  }
  return { declared, mapped, constants, textValues: options.textValues ?? false };
}

/**
 * The run inputs of one row: mapped inputs from their templates, then the batch's constant
 * inputs, then columns of the same name. A required input none of these gives is the row's error
 * (`input.invalid`), naming where the value was looked for. The object has no prototype and own
 * keys only, so a `__proto__` column is data like any other.
 */
export function rowInputs(plan: RowInputPlan, row: BatchRow): Record<string, unknown> {
  const inputs: Record<string, unknown> = Object.create(null);
  const missing: string[] = [];
  for (const [name, declaration] of plan.declared) {
    let value: unknown;
    const template = plan.mapped.get(name);
    if (template) value = evaluateColumnTemplate(template, row);
    else if (plan.constants.has(name)) value = plan.constants.get(name);
    else if (Object.hasOwn(row, name)) value = row[name];
    if (value === undefined) {
      if (declaration.default === undefined) missing.push(describeMissing(name, declaration, template, row));
      continue;
    }
    if (plan.textValues && typeof value === "string") value = coerceText(name, declaration, value);
    Object.defineProperty(inputs, name, { value, enumerable: true, writable: true, configurable: true });
  }
  if (missing.length > 0) {
    const listed = missing.slice(0, MAX_SUGGESTED_NAMES).join("; ");
    const more =
      missing.length > MAX_SUGGESTED_NAMES ? `; and ${missing.length - MAX_SUGGESTED_NAMES} more` : "";
    throw new FlowError(
      "input.invalid",
      `missing required input${missing.length > 1 ? "s" : ""}: ${listed}${more}; ${describeColumns(row)}`,
    );
  }
  return inputs;
}

/** Text is converted for the types that have a text form; `string` and `secret` take it as it is. */
function coerceText(name: string, declaration: FlowInput, value: string): unknown {
  return declaration.type === "secret" ? value : coerceInputText(name, declaration.type, value);
}

/** `"question" (string): no column "q" (map "${data.q}")` */
function describeMissing(
  name: string,
  declaration: FlowInput,
  template: ColumnTemplate | undefined,
  row: BatchRow,
): string {
  if (!template) return `${echo(name)} (${declaration.type}): the row has no column ${echo(name)}`;
  const column = template.columns.find((each) => !hasColumn(row, each)) ?? "";
  return `${echo(name)} (${declaration.type}): the row has no column ${echo(column)} (map ${echo(template.text)})`;
}

/** `the row's columns: "a", "b", and 3 more` */
function describeColumns(row: BatchRow): string {
  const columns = Object.keys(row);
  if (columns.length === 0) return "the row has no columns";
  const listed = columns.slice(0, MAX_SUGGESTED_NAMES).map(echo).join(", ");
  const more =
    columns.length > MAX_SUGGESTED_NAMES ? `, and ${columns.length - MAX_SUGGESTED_NAMES} more` : "";
  return `the row's columns: ${listed}${more}`;
}
