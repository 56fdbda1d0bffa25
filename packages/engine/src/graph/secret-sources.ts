import type { z } from "zod";
import { collectReferences, type Reference, readPath, type Template } from "../flow/references.js";
import type { AnyNodeType } from "../node-type/define-node-type.js";
import { isSecret } from "../secrets/secret.js";
import type { CompiledFlow, CompiledNode } from "./compile-flow.js";

/**
 * Where the values of a flow's secret fields come from, found before anything runs. A run learns
 * a secret when a node makes it one (a create-azure-ai-connection turns its `apiKey` into a
 * `Secret`), but a plain `string` input that becomes a key was already in the events of every
 * node that ended before: the run learns these values when it starts instead.
 */
export interface SecretSources {
  /** Flow inputs (and paths inside them) whose values flow, by reference, into a secret field. */
  readonly inputs: readonly Reference[];
  /** Strings written in the flow that flow into a secret field. */
  readonly literals: readonly string[];
}

/** A path of input names to a secret field; `*` stands for every entry of a record or array. */
type FieldPath = readonly string[];

/**
 * The flow inputs and literals whose values reach a secret field of any node (a field whose schema
 * accepts a `Secret`), directly or through the variables and outputs of other nodes. Computed once
 * per compiled flow.
 */
export function findSecretSources(flow: CompiledFlow): SecretSources {
  let sources = sourcesByFlow.get(flow);
  if (!sources) {
    sources = collectSources(flow);
    sourcesByFlow.set(flow, sources);
  }
  return sources;
}

const sourcesByFlow = new WeakMap<CompiledFlow, SecretSources>();

/**
 * The strings a run must treat as secrets from its start: the literals of `findSecretSources` and
 * every string in the values of its inputs (after defaults).
 */
export function secretValuesAtStart(
  flow: CompiledFlow,
  inputs: ReadonlyMap<string, unknown>,
): readonly string[] {
  const sources = findSecretSources(flow);
  let values: Set<string> | undefined;
  for (const reference of sources.inputs) {
    if (reference.scope !== "inputs" || !inputs.has(reference.name)) continue;
    const input = inputs.get(reference.name);
    const value = reference.path.length === 0 ? input : readPath(input, reference.path);
    // A secret input was taught to the run as it was prepared, and holds no string to collect.
    if (isSecret(value)) continue;
    values ??= new Set(sources.literals);
    collectStrings(value, values, 0);
  }
  return values === undefined ? sources.literals : [...values];
}

function collectSources(flow: CompiledFlow): SecretSources {
  const inputs: Reference[] = [];
  const literals = new Set<string>();
  const traced = new Set<CompiledNode>();

  const trace = (reference: Reference): void => {
    if (reference.scope === "inputs") {
      inputs.push(reference);
      return;
    }
    const writerId = reference.scope === "vars" ? flow.variableWriters.get(reference.name) : reference.nodeId;
    const writer = writerId === undefined ? undefined : flow.byId.get(writerId);
    // A node with secret fields of its own is traced from them; what it outputs is a `Secret`.
    if (!writer || traced.has(writer) || secretFieldPaths(writer.nodeType).length > 0) return;
    traced.add(writer);
    // What a node outputs is not known, so all it reads counts, except the name of its variable.
    for (const [name, template] of inputEntries(writer.inputs)) {
      if (name === writer.nodeType.writes?.input) continue;
      collectLiterals(template, literals);
      for (const next of collectReferences(template)) trace(next);
    }
  };

  for (const node of flow.nodes) {
    for (const path of secretFieldPaths(node.nodeType)) {
      for (const template of templatesAt(node.inputs, path)) {
        collectLiterals(template, literals);
        for (const reference of collectReferences(template)) trace(reference);
      }
    }
  }
  return { inputs, literals: [...literals] };
}

// --- templates ---------------------------------------------------------------------------------

/** The top-level entries of a node's inputs. */
function inputEntries(template: Template): Array<[string, Template]> {
  if (template.kind === "object") return template.entries;
  if (template.kind === "literal" && isRecord(template.value)) {
    return Object.entries(template.value).map(([key, value]) => [key, { kind: "literal", value }]);
  }
  return [];
}

/** The parts of a template at a path (several where the path holds `*`). */
function templatesAt(template: Template, path: FieldPath): Template[] {
  if (path.length === 0) return [template];
  const [head, ...rest] = path as [string, ...string[]];
  switch (template.kind) {
    case "object":
      return template.entries
        .filter(([key]) => head === "*" || key === head)
        .flatMap(([, item]) => templatesAt(item, rest));
    case "array":
      return head === "*" ? template.items.flatMap((item) => templatesAt(item, rest)) : [];
    case "literal":
      return literalsAt(template.value, path).map((value) => ({ kind: "literal", value }));
    default:
      // A reference or an interpolation holds the whole value, the secret part included.
      return [template];
  }
}

function literalsAt(value: unknown, path: FieldPath): unknown[] {
  if (path.length === 0) return [value];
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) return head === "*" ? value.flatMap((item) => literalsAt(item, rest)) : [];
  if (!isRecord(value)) return [];
  if (head === "*") return Object.values(value).flatMap((item) => literalsAt(item, rest));
  return Object.hasOwn(value, head) ? literalsAt(value[head], rest) : [];
}

/** Every string written in a template (not the text around references: that is not the secret). */
function collectLiterals(template: Template, into: Set<string>): void {
  switch (template.kind) {
    case "literal":
      collectStrings(template.value, into, 0);
      break;
    case "array":
      for (const item of template.items) collectLiterals(item, into);
      break;
    case "object":
      for (const [, item] of template.entries) collectLiterals(item, into);
      break;
  }
}

const MAX_DEPTH = 64;

/** Every string inside a JSON-like value. */
export function collectStrings(value: unknown, into: Set<string>, depth: number): void {
  if (typeof value === "string") into.add(value);
  else if (depth < MAX_DEPTH && value !== null && typeof value === "object") {
    for (const item of Object.values(value)) collectStrings(item, into, depth + 1);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// --- node type schemas -------------------------------------------------------------------------

const pathsByType = new WeakMap<AnyNodeType, readonly FieldPath[]>();

/** The input fields of a node type whose schema accepts a `Secret` (`secretSchema`). */
export function secretFieldPaths(nodeType: AnyNodeType): readonly FieldPath[] {
  let paths = pathsByType.get(nodeType);
  if (!paths) {
    paths = [];
    findSecretPaths(nodeType.input, [], paths as FieldPath[], 0);
    pathsByType.set(nodeType, paths);
  }
  return paths;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  options?: readonly z.ZodType[];
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

function findSecretPaths(schema: z.ZodType, path: string[], into: FieldPath[], depth: number): void {
  if (depth > 16) return;
  if ((schema.meta?.() as { secret?: unknown } | undefined)?.secret === true) {
    into.push(path);
    return;
  }
  const def = (schema as unknown as { _zod?: { def?: SchemaDef } })._zod?.def;
  if (!def) return;
  switch (def.type) {
    case "object":
      for (const [key, field] of Object.entries(def.shape ?? {}))
        findSecretPaths(field, [...path, key], into, depth + 1);
      return;
    case "union": {
      // Any option that accepts a secret makes the field a secret (`apiKey`: a string or a Secret).
      const found: FieldPath[] = [];
      for (const option of def.options ?? []) findSecretPaths(option, path, found, depth + 1);
      const seen = new Set(into.map((item) => item.join("\0")));
      for (const item of found) {
        if (!seen.has(item.join("\0"))) into.push(item);
        seen.add(item.join("\0"));
      }
      return;
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      if (def.innerType) findSecretPaths(def.innerType, path, into, depth + 1);
      return;
    case "pipe":
      if (def.in) findSecretPaths(def.in, path, into, depth + 1);
      return;
    case "record":
      if (def.valueType) findSecretPaths(def.valueType, [...path, "*"], into, depth + 1);
      return;
    case "array":
      if (def.element) findSecretPaths(def.element, [...path, "*"], into, depth + 1);
      return;
  }
}
