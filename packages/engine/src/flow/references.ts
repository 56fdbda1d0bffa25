/**
 * References inside flow values: `${inputs.x}`, `${vars.x}`, `${nodes.<id>.output.<path>}`.
 * A string that is exactly one reference keeps the referenced value's type; text around
 * references makes an interpolated string. `$${` writes a literal `${`.
 *
 * Templates are parsed once, when a flow is compiled; running a node only evaluates them.
 *
 * Objects are built with own data properties only (`setOwn`, `Object.fromEntries`): a literal
 * `"__proto__"` key stays a key, as `JSON.parse` made it, and never becomes a prototype.
 */

import { FlowError } from "../errors/flow-error.js";
import { clip, echo } from "./echo.js";
import { pathKey } from "./issues.js";

/** Where a reference points. */
export type Reference =
  | { scope: "inputs"; name: string; path: string[]; source: string }
  | { scope: "vars"; name: string; path: string[]; source: string }
  | { scope: "nodes"; nodeId: string; path: string[]; source: string };

/** A value with its references parsed: evaluation walks this instead of re-parsing strings. */
export type Template =
  | { kind: "literal"; value: unknown }
  | { kind: "reference"; reference: Reference }
  | { kind: "interpolation"; parts: Array<string | Reference> }
  | { kind: "array"; items: Template[] }
  | { kind: "object"; entries: Array<[string, Template]> };

/** A problem in a reference, with the JSON path of the string it was found in. */
export interface ReferenceProblem {
  path: string;
  message: string;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Parses the inside of `${...}` into a reference, or returns why it is not one. */
export function parseReference(body: string): Reference | string {
  const source = `\${${body}}`;
  const trimmed = body.trim();
  const segments = trimmed.split(".");
  if (segments.some((segment) => !SEGMENT.test(segment))) {
    return `invalid reference ${clip(source)}: expected \${inputs.<name>}, \${vars.<name>} or \${nodes.<id>.output[.<path>]}`;
  }
  const [scope, name, ...rest] = segments;
  if ((scope === "inputs" || scope === "vars") && name !== undefined) {
    return { scope, name, path: rest, source };
  }
  if (scope === "nodes" && name !== undefined) {
    if (rest[0] !== "output") {
      return `invalid reference ${clip(source)}: expected \${nodes.${clip(name)}.output} or a path below it`;
    }
    return { scope: "nodes", nodeId: name, path: rest.slice(1), source };
  }
  return `invalid reference ${clip(source)}: expected \${inputs.<name>}, \${vars.<name>} or \${nodes.<id>.output[.<path>]}`;
}

/** Parses one string into a template: a literal, a single reference, or an interpolation. */
export function parseString(text: string, path: string, problems: ReferenceProblem[]): Template {
  if (!text.includes("${")) return { kind: "literal", value: text };
  const parts: Array<string | Reference> = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    // Plain text up to the next "$" goes in one slice: a long string costs one pass, not one step per character.
    const dollar = text.indexOf("$", i);
    if (dollar === -1) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, dollar);
    i = dollar;
    if (text.startsWith("$${", i)) {
      literal += "${";
      i += 3;
      continue;
    }
    if (text.startsWith("${", i)) {
      const end = text.indexOf("}", i + 2);
      if (end === -1) {
        problems.push({
          path,
          message: `unclosed reference in ${echo(text)}: expected a closing "}"`,
        });
        return { kind: "literal", value: text };
      }
      const parsed = parseReference(text.slice(i + 2, end));
      if (typeof parsed === "string") {
        problems.push({ path, message: parsed });
        return { kind: "literal", value: text };
      }
      if (literal) parts.push(literal);
      literal = "";
      parts.push(parsed);
      i = end + 1;
      continue;
    }
    literal += "$";
    i++;
  }
  if (literal) parts.push(literal);
  if (parts.length === 1 && typeof parts[0] !== "string") return { kind: "reference", reference: parts[0]! };
  if (parts.every((part) => typeof part === "string")) return { kind: "literal", value: parts.join("") };
  return { kind: "interpolation", parts };
}

/** Parses a JSON value into a template, finding references in every string inside it. */
export function parseTemplate(value: unknown, path: string, problems: ReferenceProblem[]): Template {
  if (typeof value === "string") return parseString(value, path, problems);
  if (Array.isArray(value)) {
    const items = value.map((item, index) => parseTemplate(item, `${path}${pathKey(index)}`, problems));
    // Only a value left as it was may be kept whole: `$${` escapes change the strings they are in.
    return items.every((item, index) => item.kind === "literal" && item.value === value[index])
      ? { kind: "literal", value }
      : { kind: "array", items };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, parseTemplate(item, `${path}${pathKey(key)}`, problems)] as [string, Template],
    );
    return entries.every(
      ([key, item]) => item.kind === "literal" && item.value === (value as Record<string, unknown>)[key],
    )
      ? { kind: "literal", value }
      : { kind: "object", entries };
  }
  return { kind: "literal", value };
}

/** Every reference a template contains, in order. */
export function collectReferences(template: Template, into: Reference[] = []): Reference[] {
  switch (template.kind) {
    case "reference":
      into.push(template.reference);
      break;
    case "interpolation":
      for (const part of template.parts) if (typeof part !== "string") into.push(part);
      break;
    case "array":
      for (const item of template.items) collectReferences(item, into);
      break;
    case "object":
      for (const [, item] of template.entries) collectReferences(item, into);
      break;
  }
  return into;
}

/** Every reference a template contains, in order, with the JSON path of the string it is in. */
export function collectReferencePaths(
  template: Template,
  path: string,
  into: Array<{ reference: Reference; path: string }> = [],
): Array<{ reference: Reference; path: string }> {
  switch (template.kind) {
    case "reference":
      into.push({ reference: template.reference, path });
      break;
    case "interpolation":
      for (const part of template.parts) if (typeof part !== "string") into.push({ reference: part, path });
      break;
    case "array":
      template.items.forEach((item, index) => {
        collectReferencePaths(item, `${path}${pathKey(index)}`, into);
      });
      break;
    case "object":
      for (const [key, item] of template.entries) collectReferencePaths(item, `${path}${pathKey(key)}`, into);
      break;
  }
  return into;
}

/** Looks values up for references while a run evaluates templates. */
export interface ReferenceResolver {
  /** The referenced value; `undefined` when it does not exist (yet). */
  resolve(reference: Reference): unknown;
  /** Turns a value into text for interpolation; may wrap the result (secrets stay secret). */
  interpolate(parts: unknown[]): unknown;
}

/**
 * `target[key] = value` as an own data property for every key: assigning to `__proto__` would
 * replace the object's prototype instead of adding a key.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Follows a path of property names into a value; `undefined` where it leads nowhere. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current =
      Array.isArray(current) && /^\d+$/.test(key)
        ? current[Number(key)]
        : (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Text for a value inside an interpolated string: strings as they are, other values as JSON. */
export function stringifyForInterpolation(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Circular or otherwise unserialisable values still make text, rather than failing the run.
  }
  try {
    return String(value);
  } catch {
    // Arrays nested deeper than the stack can write (nodes wrapping each other's outputs).
    throw new FlowError(
      "node.input",
      "a value in an interpolated string is nested too deeply to write as text: reference a part of it instead",
    );
  }
}

/**
 * Literal objects and arrays in a template are shared by every run of a compiled flow: they are
 * copied once and frozen, so a node that changes its input cannot change the flow for later runs.
 */
export function freezeLiterals(template: Template): Template {
  switch (template.kind) {
    case "literal":
      return template.value !== null && typeof template.value === "object"
        ? { kind: "literal", value: frozenCopy(template.value) }
        : template;
    case "array":
      return { kind: "array", items: template.items.map(freezeLiterals) };
    case "object":
      return { kind: "object", entries: template.entries.map(([key, item]) => [key, freezeLiterals(item)]) };
    default:
      return template;
  }
}

function frozenCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype)
    return value;
  return Object.freeze(
    Object.fromEntries(Object.entries(value).map(([key, item]) => [key, frozenCopy(item)])),
  );
}
