import { type Reference, type ReferenceResolver, readPath, setOwn, type Template } from "./references.js";

/**
 * What a compiled template reads: references, and nodes' outputs by index (`output` is asked only
 * by a template compiled with `indexOf`).
 */
export interface TemplateScope extends ReferenceResolver {
  /** The output of the node at `index`; `undefined` if it has none (yet). */
  output?(index: number): unknown;
}

/** A template compiled into one flat list of operations and their operands; see `evaluateCompiled`. */
export type CompiledTemplate = readonly unknown[];

// Operations, each followed by its operands: LITERAL value; OUTPUT index; OUTPUT_PATH index path;
// REFERENCE reference; INTERPOLATION count, then each part; ARRAY count, then each item;
// OBJECT keys, then each value (PLAIN_OBJECT: no key is `__proto__`).
const LITERAL = 0;
const OUTPUT = 1;
const OUTPUT_PATH = 2;
const REFERENCE = 3;
const INTERPOLATION = 4;
const ARRAY = 5;
const OBJECT = 6;
const PLAIN_OBJECT = 7;

/**
 * Compiles a template once per flow into one flat array: evaluating a node's inputs then reads
 * one short array and runs one loop shared by every node, rather than walking a tree of objects
 * (or of closures) of its own. Between the 1 ms steps of a flow, that tree falls out of the CPU's
 * caches: reading it back cost more than the rest of starting the node. With `indexOf`, a
 * reference to a node's output is compiled to the node's index; without it, it is resolved as
 * every other reference is.
 */
export function compileTemplate(template: Template, indexOf?: (id: string) => number): CompiledTemplate {
  const code: unknown[] = [];
  emit(template, indexOf, code);
  return code;
}

function emit(template: Template, indexOf: ((id: string) => number) | undefined, code: unknown[]): void {
  switch (template.kind) {
    case "literal":
      code.push(LITERAL, template.value);
      return;
    case "reference":
      emitReference(template.reference, indexOf, code);
      return;
    case "interpolation":
      code.push(INTERPOLATION, template.parts.length);
      for (const part of template.parts) {
        if (typeof part === "string") code.push(LITERAL, part);
        else emitReference(part, indexOf, code);
      }
      return;
    case "array":
      code.push(ARRAY, template.items.length);
      for (const item of template.items) emit(item, indexOf, code);
      return;
    case "object": {
      const keys = template.entries.map(([key]) => key);
      code.push(keys.includes("__proto__") ? OBJECT : PLAIN_OBJECT, keys);
      for (const [, item] of template.entries) emit(item, indexOf, code);
    }
  }
}

function emitReference(
  reference: Reference,
  indexOf: ((id: string) => number) | undefined,
  code: unknown[],
): void {
  if (reference.scope !== "nodes" || indexOf === undefined) code.push(REFERENCE, reference);
  else if (reference.path.length === 0) code.push(OUTPUT, indexOf(reference.nodeId));
  else code.push(OUTPUT_PATH, indexOf(reference.nodeId), reference.path);
}

/** Templates compiled for `evaluateTemplate`, by template: those of `when` and of flow outputs. */
const compiled = new WeakMap<Template, CompiledTemplate>();

/**
 * Evaluates a template against a resolver (a `when` or a flow output: node inputs are compiled
 * once with their flow). Compiled on first use, by the same rules as node inputs.
 */
export function evaluateTemplate(template: Template, resolver: ReferenceResolver): unknown {
  let code = compiled.get(template);
  if (code === undefined) {
    code = compileTemplate(template);
    compiled.set(template, code);
  }
  return evaluateCompiled(code, resolver);
}

/** Evaluates a compiled template against a scope: new objects and arrays each time. */
export function evaluateCompiled(code: CompiledTemplate, scope: TemplateScope): unknown {
  const cursor = { at: 0 };
  return next(code, cursor, scope);
}

function next(code: CompiledTemplate, cursor: { at: number }, scope: TemplateScope): unknown {
  const at = cursor.at;
  switch (code[at] as number) {
    case LITERAL:
      cursor.at = at + 2;
      return code[at + 1];
    case OUTPUT:
      cursor.at = at + 2;
      return scope.output!(code[at + 1] as number);
    case OUTPUT_PATH:
      cursor.at = at + 3;
      return readPath(scope.output!(code[at + 1] as number), code[at + 2] as string[]);
    case REFERENCE:
      cursor.at = at + 2;
      return scope.resolve(code[at + 1] as Reference);
    case INTERPOLATION:
    case ARRAY: {
      const count = code[at + 1] as number;
      cursor.at = at + 2;
      const items = new Array<unknown>(count);
      for (let index = 0; index < count; index++) items[index] = next(code, cursor, scope);
      return code[at] === ARRAY ? items : scope.interpolate(items);
    }
    default: {
      const keys = code[at + 1] as string[];
      cursor.at = at + 2;
      const out: Record<string, unknown> = {};
      if (code[at] === PLAIN_OBJECT) {
        for (let index = 0; index < keys.length; index++) out[keys[index]!] = next(code, cursor, scope);
      } else {
        // A `"__proto__"` key stays an own data property: plain assignment would set the prototype.
        for (let index = 0; index < keys.length; index++)
          setOwn(out, keys[index]!, next(code, cursor, scope));
      }
      return out;
    }
  }
}
