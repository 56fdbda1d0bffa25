import { type Reference, type ReferenceResolver, readPath, setOwn, type Template } from "./references.js";

/** What a compiled template reads: references, and nodes' outputs by index. */
export interface TemplateScope extends ReferenceResolver {
  /** The output of the node at `index`; `undefined` if it has none (yet). */
  output(index: number): unknown;
}

/** A template turned into a function of the scope it reads. */
export type CompiledTemplate = (scope: TemplateScope) => unknown;

/**
 * Compiles a template into a tree of small functions, once per flow: a run then evaluates a node's
 * inputs without walking the template and switching on each part's kind, and a reference to a
 * node's output reads it by the node's index (`indexOf`) rather than by a lookup of its id.
 * Gives the same values as `evaluateTemplate`.
 */
export function compileTemplate(template: Template, indexOf: (id: string) => number): CompiledTemplate {
  switch (template.kind) {
    case "literal": {
      const value = template.value;
      return () => value;
    }
    case "reference":
      return compileReference(template.reference, indexOf);
    case "interpolation": {
      const parts = template.parts.map((part) =>
        typeof part === "string" ? part : compileReference(part, indexOf),
      );
      return (scope) => {
        const values = new Array<unknown>(parts.length);
        for (let index = 0; index < parts.length; index++) {
          const part = parts[index]!;
          values[index] = typeof part === "string" ? part : part(scope);
        }
        return scope.interpolate(values);
      };
    }
    case "array": {
      const items = template.items.map((item) => compileTemplate(item, indexOf));
      return (scope) => {
        const out = new Array<unknown>(items.length);
        for (let index = 0; index < items.length; index++) out[index] = items[index]!(scope);
        return out;
      };
    }
    case "object":
      return compileObject(template.entries, indexOf);
  }
}

function compileReference(reference: Reference, indexOf: (id: string) => number): CompiledTemplate {
  if (reference.scope !== "nodes") return (scope) => scope.resolve(reference);
  const index = indexOf(reference.nodeId);
  const path = reference.path;
  return path.length === 0 ? (scope) => scope.output(index) : (scope) => readPath(scope.output(index), path);
}

function compileObject(
  entries: ReadonlyArray<readonly [string, Template]>,
  indexOf: (id: string) => number,
): CompiledTemplate {
  const keys = entries.map(([key]) => key);
  const values = entries.map(([, item]) => compileTemplate(item, indexOf));
  // A `"__proto__"` key must stay an own data property (`setOwn`); plain assignment would set the
  // object's prototype. Only a flow that uses such a key pays for the check.
  if (keys.includes("__proto__")) {
    return (scope) => {
      const out: Record<string, unknown> = {};
      for (let index = 0; index < keys.length; index++) setOwn(out, keys[index]!, values[index]!(scope));
      return out;
    };
  }
  return (scope) => {
    const out: Record<string, unknown> = {};
    for (let index = 0; index < keys.length; index++) out[keys[index]!] = values[index]!(scope);
    return out;
  };
}
