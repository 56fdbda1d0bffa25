import { type DocPath, isMarker, renderFlowText } from "./flow-text.js";
import type { FuzzCase } from "./valid-flows.js";

/**
 * How a fuzz case is written (its flow's text, then an edit of that text) and how it is shown in
 * failure messages: short values, readable paths, invisible characters made visible.
 */

/** An edit of the flow's text after it is written: cut short, a character let in, something before it. */
export type TextEdit =
  | { op: "truncate"; perMille: number }
  | { op: "insert"; perMille: number; text: string }
  | { op: "prefix"; text: string };

/** A fuzz case with an optional edit of its text. */
export interface MutatedCase extends FuzzCase {
  textEdit?: TextEdit;
}

/** The text of a case: its flow written out, then its text edit. */
export function caseText(fuzzCase: MutatedCase): string {
  const text = renderFlowText(fuzzCase.flow);
  const edit = fuzzCase.textEdit;
  if (!edit) return text;
  if (edit.op === "prefix") return edit.text + text;
  const at = Math.floor((text.length * edit.perMille) / 1000);
  return edit.op === "truncate" ? text.slice(0, at) : text.slice(0, at) + edit.text + text.slice(at);
}

/** `nodes[2].inputs["__proto__"]` */
export function formatDocPath(path: DocPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key) && key !== "__proto__" && key.length <= 60)
      out += out ? `.${key}` : key;
    else out += `[${describeShort(key)}]`;
  }
  return out || "(the whole flow)";
}

/** A value in a few dozen characters: long strings by their start and length, markers by what they make. */
export function describeShort(value: unknown): string {
  if (isMarker(value)) {
    switch (value.$fuzz) {
      case "huge":
        return `<${value.length}-character string of ${JSON.stringify(value.unit)}>`;
      case "deep":
        return `<${value.depth} levels of ${value.shape} nesting>`;
      case "entries":
        return `<object with duplicate key ${JSON.stringify(value.entries[0]?.[0])}>`;
      case "raw":
        return `<raw text ${JSON.stringify(value.text)}>`;
    }
  }
  if (typeof value === "string" && value.length > 60)
    return `${JSON.stringify(value.slice(0, 24))}…(${value.length} characters)`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** An edit of the text, in words. */
export function describeTextEdit(edit: TextEdit): string {
  switch (edit.op) {
    case "truncate":
      return `cut the text at ${edit.perMille / 10}%`;
    case "insert":
      return `insert ${describeShort(edit.text)} at ${edit.perMille / 10}% of the text`;
    case "prefix":
      return `put ${describeShort(edit.text)} before the text`;
  }
}

/** Whether a UTF-16 code unit is a control, a zero-width or bidi mark, a line separator or a BOM. */
function isInvisible(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    code === 0xfeff
  );
}

/** Text with controls, bidi marks and lone surrogates shown as `\uXXXX`. */
export function showInvisible(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const high = code >= 0xd800 && code <= 0xdbff;
    const next = text.charCodeAt(i + 1);
    if (high && next >= 0xdc00 && next <= 0xdfff) {
      out += text[i]! + text[i + 1]!;
      i++;
    } else if (isInvisible(code) || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** A counterexample for a failure message: what was done to a valid flow, its text, its run inputs. */
export function describeCase(fuzzCase: MutatedCase, maxTextLength = 2_500): string {
  const text = caseText(fuzzCase);
  const shown = text.length > maxTextLength ? `${text.slice(0, maxTextLength)}…` : text;
  const inputs = Object.entries(fuzzCase.inputs).map(
    ([name, value]) => `${describeShort(name)}: ${describeShort(value)}`,
  );
  return [
    fuzzCase.mutations.length
      ? `mutations:\n${fuzzCase.mutations.map((each) => `  - ${each}`).join("\n")}`
      : "a valid flow",
    `flow text (${text.length} characters${text.length > maxTextLength ? `, the first ${maxTextLength} shown` : ""}):`,
    showInvisible(shown),
    `run inputs: {${inputs.join(", ")}}`,
  ].join("\n");
}
