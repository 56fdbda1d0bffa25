import { describeValue, FlowError } from "../../errors.js";
import { Secret } from "../../secrets/secret.js";
import {
  hasUrlCredentialParameter,
  hasUrlUserinfo,
  maskUrlCredentials,
} from "../../secrets/url-credentials.js";
import type { Connection } from "../connection.js";
import { classifyAzureEndpoint } from "../endpoint.js";
import {
  ENV_REFERENCE_SHAPE,
  hasEnvReference,
  hasMalformedEnvReference,
  resolveEnvReferences,
} from "../env.js";
import {
  CONNECTION_TYPES,
  type ConnectionField,
  connectionFields,
  connectionKindSchema,
} from "./connection-fields.js";

/** A secret field as given to the store: text, or a `Secret` already. */
type SecretText<V> = V extends Secret
  ? string | Secret
  : V extends Record<string, Secret>
    ? Record<string, string | Secret>
    : V;
/** A secret field as `show` gives it. */
type MaskedText<V> = V extends Secret
  ? string
  : V extends Record<string, Secret>
    ? Record<string, string>
    : V;
/** The fields holding `name: value` records (`configs`, `secrets`), which may be left out. */
type RecordKeys<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends Secret
    ? never
    : NonNullable<T[K]> extends Record<string, unknown>
      ? K
      : never;
}[keyof T];
type Texted<T> = { [K in keyof T]: SecretText<T[K]> };
type InputOf<T> = T extends unknown
  ? Omit<Texted<T>, "name" | RecordKeys<T>> & Partial<Pick<Texted<T>, RecordKeys<T>>>
  : never;
type PatchOf<T> = T extends unknown
  ? {
      [K in Exclude<keyof T, "type">]?: NonNullable<T[K]> extends Record<string, unknown>
        ? { [E in keyof NonNullable<T[K]>]?: NonNullable<T[K]>[E] | null }
        : T[K] | null;
    }
  : never;
type MaskedOf<T> = T extends unknown
  ? Omit<{ [K in keyof T]: MaskedText<T[K]> }, "name"> & { name: string }
  : never;

/**
 * A connection as given to the store (by an app, the CLI or an imported file): the fields of
 * `Connection`, with secrets as text or `Secret`s; any string may hold `${env:NAME}`.
 */
export type ConnectionInput = InputOf<Connection>;
/** Changes to a stored connection: new values, or `null` to remove an optional field or an entry. */
export type ConnectionPatch = PatchOf<ConnectionInput>;
/** A stored connection as `show` gives it: secrets are `***`, or the `${env:…}` reference as written. */
export type MaskedConnection = MaskedOf<Connection>;

/** Where an input came from, for error messages. */
export interface InputLocation {
  /** The file it was read from. */
  file?: string;
  /** The connection's path inside that file, such as `[1]`. */
  path?: string;
  /** Field names as that file spells them, when they differ from ours (`apiKey` → `api_key`). */
  fieldNames?: Readonly<Record<string, string>>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Throws `connection.invalid` unless `name` can name a stored connection. */
export function checkConnectionName(name: unknown, where: InputLocation = {}): asserts name is string {
  if (typeof name === "string" && NAME.test(name)) return;
  throw invalid(
    where,
    "name",
    "expected a connection name of letters, digits, '.', '_' and '-' that starts with a letter or digit " +
      `(at most 100), got ${describeValue(name)}`,
  );
}

/**
 * Checks a connection input and turns it into a `Connection` (secrets wrapped in `Secret`).
 * `${env:…}` references are checked for syntax but kept; an azure-ai endpoint without one must
 * have one of the two accepted shapes. Messages never show a secret's value.
 */
export function parseConnectionInput(name: string, input: unknown, where: InputLocation = {}): Connection {
  const at: InputLocation & { connection: string } = { ...where, connection: name };
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw invalid(at, undefined, `expected a connection object, got ${describeValue(input)}`);
  }
  const fields = input as Record<string, unknown>;
  const type = fields.type;
  const kind = typeof type === "string" ? connectionFields(type) : undefined;
  const schema = typeof type === "string" ? connectionKindSchema(type) : undefined;
  if (kind === undefined || schema === undefined) {
    throw invalid(
      at,
      "type",
      `expected one of ${CONNECTION_TYPES.map((t) => `"${t}"`).join(", ")}, got ${describeValue(type)}`,
    );
  }
  const known = new Set(["type", "name", ...kind.map((field) => field.name)]);
  for (const field of Object.keys(fields)) {
    if (!known.has(field)) {
      throw invalid(
        at,
        field,
        `unknown field for ${type} connections; expected ${kind.map((item) => item.name).join(", ")}`,
      );
    }
  }
  if (fields.name !== undefined && fields.name !== name) {
    throw invalid(
      at,
      "name",
      `expected ${JSON.stringify(name)} or nothing, got ${describeValue(fields.name)}`,
    );
  }

  const candidate: Record<string, unknown> = { type, name };
  for (const field of kind) {
    const value = fields[field.name];
    if (value === undefined) {
      if (field.record) candidate[field.name] = {};
      else if (!field.optional) {
        throw invalid(
          at,
          field.name,
          `expected ${field.secret ? "a secret or ${env:NAME}" : "a value"}, got nothing`,
        );
      }
      continue;
    }
    candidate[field.name] = field.record
      ? readRecord(at, field, value)
      : readValue(at, field.name, field.secret, value);
  }

  const parsed = schema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(at, issue?.path.join(".") || undefined, issue?.message ?? "invalid connection");
  }
  const connection = parsed.data as Connection;
  checkUrls(at, connection);
  return connection;
}

/**
 * Replaces `${env:…}` references in every field (secrets included) with values from `env`, and
 * checks the result again — a variable may hold an endpoint of the wrong shape.
 */
export function resolveConnectionEnv(
  name: string,
  connection: Connection,
  env: NodeJS.ProcessEnv,
): Connection {
  const resolved = mapStrings(connection, (text, field) =>
    resolveEnvReferences(text, env, { connection: name, field }),
  );
  return parseConnectionInput(name, { ...resolved, name });
}

/**
 * Applies `change` to every string of a connection (plain and secret, with the field's path),
 * keeping secrets wrapped.
 */
export function mapStrings(
  connection: Connection,
  change: (text: string, field: string) => string,
): ConnectionInput {
  const result: Record<string, unknown> = { type: connection.type };
  const fields = connection as unknown as Record<string, unknown>;
  for (const field of connectionFields(connection.type) ?? []) {
    const value = fields[field.name];
    if (value === undefined) continue;
    if (field.record) {
      const entries = Object.entries(value as Record<string, string | Secret>).map(([entry, item]) => [
        entry,
        mapText(item, `${field.name}.${entry}`, change),
      ]);
      result[field.name] = Object.fromEntries(entries);
    } else {
      result[field.name] =
        typeof value === "string" || value instanceof Secret ? mapText(value, field.name, change) : value;
    }
  }
  return result as ConnectionInput;
}

function mapText(value: string | Secret, field: string, change: (text: string, field: string) => string) {
  return value instanceof Secret ? new Secret(change(value.reveal(), field)) : change(value, field);
}

function readValue(
  at: InputLocation & { connection: string },
  field: string,
  secret: ConnectionField["secret"],
  value: unknown,
) {
  if (secret === undefined) {
    if (typeof value === "string") checkReferences(at, field, value);
    return value;
  }
  const text = value instanceof Secret ? value.reveal() : value;
  if (typeof text !== "string" || text === "") {
    throw invalid(
      at,
      field,
      `expected a non-empty string (a secret), got ${typeof text === "string" ? "an empty one" : describeKind(text)}`,
    );
  }
  checkReferences(at, field, text);
  return value instanceof Secret ? value : new Secret(text);
}

function checkReferences(at: InputLocation & { connection: string }, field: string, text: string): void {
  if (hasMalformedEnvReference(text)) {
    throw invalid(at, field, `malformed environment reference: expected ${ENV_REFERENCE_SHAPE}`);
  }
}

function readRecord(at: InputLocation & { connection: string }, field: ConnectionField, value: unknown) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid(at, field.name, `expected an object of name: value entries, got ${describeKind(value)}`);
  }
  const entries: [string, unknown][] = [];
  for (const [entry, item] of Object.entries(value)) {
    const path = `${field.name}.${entry}`;
    if (entry === "") throw invalid(at, path, "expected a non-empty entry name");
    if (field.secret === "entries") entries.push([entry, readValue(at, path, "value", item)]);
    else if (typeof item === "string") entries.push([entry, readValue(at, path, undefined, item)]);
    else throw invalid(at, path, `expected a string, got ${describeValue(item)}`);
  }
  return Object.fromEntries(entries);
}

function checkUrls(at: InputLocation & { connection: string }, connection: Connection): void {
  // A URL with user:password@ or a key in its query (well-formed or not) is refused without
  // quoting it: the store keeps URLs as plain text, and the key would be printed.
  for (const field of ["endpoint", "baseUrl"] as const) {
    const url = (connection as Partial<Record<typeof field, string>>)[field];
    if (url !== undefined && hasUrlUserinfo(url)) {
      throw invalid(at, field, "expected a URL without credentials (user:password@); keys belong in apiKey");
    }
    if (url !== undefined && hasUrlCredentialParameter(url)) {
      throw invalid(
        at,
        field,
        "expected a URL without a key in its query (?api-key=…); keys belong in apiKey",
      );
    }
  }
  if (connection.type === "azure-ai" && !hasEnvReference(connection.endpoint)) {
    try {
      classifyAzureEndpoint(connection.endpoint);
    } catch (error) {
      if (error instanceof FlowError) throw relabel(at, "endpoint", error);
      throw error;
    }
  }
  if (
    connection.type === "openai" &&
    connection.baseUrl !== undefined &&
    !hasEnvReference(connection.baseUrl)
  ) {
    let url: URL | undefined;
    try {
      url = new URL(connection.baseUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw invalid(
        at,
        "baseUrl",
        `expected an http(s) URL, got ${describeValue(maskUrlCredentials(connection.baseUrl))}`,
      );
    }
  }
}

/** Secrets are described by kind only, never by value. */
function describeKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function relabel(at: InputLocation & { connection?: string }, field: string, error: FlowError): FlowError {
  return new FlowError(error.code, `${locate(at, field)}: ${error.message}`, {
    ...place(at, field),
    cause: error,
  });
}

/** A `connection.invalid` error: `<file>: <path>.<field>: <why>` or `connection "<name>" <field>: <why>`. */
export function invalid(
  at: InputLocation & { connection?: string },
  field: string | undefined,
  why: string,
): FlowError {
  return new FlowError("connection.invalid", `${locate(at, field)}: ${why}`, place(at, field));
}

function locate(at: InputLocation & { connection?: string }, field: string | undefined): string {
  const label = fieldLabel(at, field);
  if (at.file !== undefined) {
    const path = [at.path, label].filter(Boolean).join(".").replace(/\.\[/g, "[");
    const named = at.connection === undefined ? "" : ` (connection "${at.connection}")`;
    return `${at.file}${path ? `: ${path}` : ""}${named}`;
  }
  const subject = at.connection === undefined ? "connection" : `connection "${at.connection}"`;
  return label === undefined ? subject : `${subject} ${label}`;
}

function place(at: InputLocation & { connection?: string }, field: string | undefined) {
  const label = fieldLabel(at, field);
  const path = [at.file === undefined ? at.connection : at.path, label]
    .filter(Boolean)
    .join(".")
    .replace(/\.\[/g, "[");
  return { ...(at.file === undefined ? {} : { file: at.file }), ...(path ? { path } : {}) };
}

function fieldLabel(at: InputLocation, field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const [head = field, ...rest] = field.split(".");
  return [at.fieldNames?.[head] ?? head, ...rest].join(".");
}
