import type { ConnectionKinds, PromptflowConversion, PromptflowReader } from "@weft/engine";
import { describeValue } from "@weft/engine";
import { type InputLocation, invalid } from "../connection-input.js";
import { hasEnvReference } from "../env.js";

/**
 * Promptflow connection files (`pf connection create -f x.yaml`) mapped to weft connections by
 * the registered kinds: each kind names the promptflow types it imports (`promptflow.types`) and
 * converts a record with the reader below, which checks fields and refuses placeholders.
 *
 * `${env:…}` references are kept. Values promptflow asks for interactively (`<user-input>`) or
 * masked values (`*****`) cannot be imported and are reported with their field.
 */

/** Promptflow connection types the registered kinds import, in registration order. */
export function promptflowTypes(kinds: ConnectionKinds): string[] {
  return kinds.list().flatMap((kind) => kind.promptflow?.types ?? []);
}

/** Promptflow types that exist but have no weft counterpart (yet). */
const OTHER_PROMPTFLOW_TYPES = new Set([
  "cognitive_search",
  "azure_content_safety",
  "form_recognizer",
  "azure_ai_services",
  "serp",
  "qdrant",
  "weaviate",
]);

/** Keys every promptflow connection may carry that mean nothing to weft. */
const IGNORED_KEYS = [
  "$schema",
  "name",
  "type",
  "module",
  "expiry_time",
  "created_date",
  "last_modified_date",
];

/**
 * Whether an object looks like a promptflow connection (by its `type`). A promptflow type that is
 * also a weft kind's name (`custom`, `serverless`) counts with promptflow's own marks (`$schema`,
 * `module`), or when none of its fields is one of the weft kind's (`api_base` is no `endpoint`).
 */
export function isPromptflowConnection(kinds: ConnectionKinds, value: Record<string, unknown>): boolean {
  const type = value.type;
  if (typeof type !== "string") return false;
  if (!promptflowTypes(kinds).includes(type) && !OTHER_PROMPTFLOW_TYPES.has(type)) return false;
  if (kinds.get(type) === undefined) return true;
  const schema = value.$schema;
  if (typeof schema === "string") return /promptflow/i.test(schema);
  if ("module" in value) return true;
  const own = new Set((kinds.fields(type) ?? []).map((field) => field.name));
  const keys = Object.keys(value).filter((key) => !IGNORED_KEYS.includes(key));
  return keys.length > 0 && !keys.some((key) => own.has(key));
}

/** Converts one promptflow connection, or throws `connection.invalid` naming the file and field. */
export function convertPromptflowConnection(
  kinds: ConnectionKinds,
  value: Record<string, unknown>,
  at: InputLocation & { connection: string },
): PromptflowConversion {
  const type = value.type as string;
  const kind = kinds.list().find((candidate) => candidate.promptflow?.types.includes(type));
  if (kind?.promptflow === undefined) {
    throw invalid(
      at,
      "type",
      `promptflow connections of type ${describeValue(type)} cannot be imported; weft imports ` +
        `${promptflowTypes(kinds).join(", ")}`,
    );
  }
  return kind.promptflow.toConnection(value, promptflowReader(value, at));
}

/** Reads fields of one promptflow record, with errors naming the file and the promptflow field. */
function promptflowReader(value: Record<string, unknown>, at: InputLocation): PromptflowReader {
  return {
    allowKeys: (keys) => allowKeys(value, at, keys),
    optionalText: (key) => optionalText(value, at, key),
    requiredText: (key) => requiredText(value, at, key),
    secretText: (key) => secretText(value, at, key),
    textMap: (key, secret) => textMap(value, at, key, secret),
    hasEnvReference,
    invalid: (key, why) => invalid(at, key, why),
  };
}

function allowKeys(value: Record<string, unknown>, at: InputLocation, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!IGNORED_KEYS.includes(key) && !allowed.includes(key)) {
      throw invalid(
        at,
        key,
        `unknown field for promptflow ${String(value.type)} connections; expected ${allowed.join(", ")}`,
      );
    }
  }
}

function optionalText(value: Record<string, unknown>, at: InputLocation, key: string): string | undefined {
  const text = value[key];
  if (text === undefined || text === null) return undefined;
  if (typeof text !== "string") throw invalid(at, key, `expected a string, got ${describeValue(text)}`);
  return text;
}

function requiredText(value: Record<string, unknown>, at: InputLocation, key: string): string {
  const text = optionalText(value, at, key);
  if (text === undefined || text === "") throw invalid(at, key, "expected a value, got nothing");
  return text;
}

/** A secret value: never echoed in messages; placeholders promptflow fills in interactively are refused. */
function secretText(value: Record<string, unknown>, at: InputLocation, key: string, path = key): string {
  const text = value[key];
  if (typeof text !== "string" || text === "") {
    throw invalid(at, path, `expected a secret value or \${env:NAME}, got ${describeKind(text)}`);
  }
  checkPlaceholder(text, at, path);
  return text;
}

function checkPlaceholder(text: string, at: InputLocation, key: string): void {
  if (text === "<user-input>" || text === "<no-change>") {
    throw invalid(
      at,
      key,
      `${text} asks for the value interactively, which an import cannot do; write \${env:NAME} and set that variable`,
    );
  }
  if (/^\*+$/.test(text)) {
    throw invalid(
      at,
      key,
      "is a masked value (as `pf connection show` prints it), not the secret; write the value or ${env:NAME}",
    );
  }
}

function textMap(
  value: Record<string, unknown>,
  at: InputLocation,
  key: string,
  secret: boolean,
): Record<string, string> {
  const map = value[key];
  if (map === undefined || map === null) return {};
  if (typeof map !== "object" || Array.isArray(map)) {
    throw invalid(at, key, `expected name: value entries, got ${describeValue(map)}`);
  }
  const entries: [string, string][] = [];
  for (const [entry, item] of Object.entries(map)) {
    const path = `${key}.${entry}`;
    if (secret) {
      entries.push([entry, secretText(map as Record<string, unknown>, at, entry, path)]);
      continue;
    }
    // Promptflow keeps configs as strings; YAML may have read `8080` or `true` as a scalar.
    if (typeof item === "string") entries.push([entry, item]);
    else if (typeof item === "number" || typeof item === "boolean") entries.push([entry, String(item)]);
    else throw invalid(at, path, `expected a string, got ${describeValue(item)}`);
  }
  return Object.fromEntries(entries);
}

/** Describes a secret's value by kind only. */
function describeKind(value: unknown): string {
  if (value === undefined || value === null || value === "") return "nothing";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
