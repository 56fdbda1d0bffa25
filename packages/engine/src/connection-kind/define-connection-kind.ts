import { z } from "zod";
import { isSecret, type Secret } from "../secrets/secret.js";

/**
 * A `Secret`, as a zod schema. Connection fields built with it are encrypted, masked and scrubbed.
 * It accepts a `Secret` of any copy of `@weft/engine` (a plug-in's and the `weft` command's).
 */
export const secretSchema = z
  .custom<Secret>(isSecret, { message: "expected a secret" })
  .meta({ secret: true });

/**
 * A secret field of a connection kind: a `Secret`, marked so that the store encrypts it, `show`
 * masks it and runs scrub it. Use it inside other schemas too (`z.record(z.string(), secretField())`).
 */
export function secretField() {
  return secretSchema;
}

/**
 * How to reach a service: the kind's `type`, an optional `name`, the limits every kind may carry
 * (`maxConcurrency`, `requestsPerMinute`, `tokensPerMinute`), and the kind's own fields. Secret
 * fields hold `Secret`s, so a connection prints masked.
 */
export type Connection = {
  type: string;
  name?: string;
  /** Requests in flight at once through this connection, across every run of the engine. */
  maxConcurrency?: number;
  /** Requests started in any 60 seconds, across every run of the engine. */
  requestsPerMinute?: number;
  /** Tokens used in any 60 seconds (estimated before each request, corrected after), across runs. */
  tokensPerMinute?: number;
  [field: string]: unknown;
};

/** A connection of one kind: its own fields, typed, plus the fields every kind has. */
export type ConnectionOf<Fields extends z.ZodRawShape> = z.output<z.ZodObject<Fields>> & {
  type: string;
  name?: string;
  maxConcurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
};

/** What `weft connection test` reports. */
export interface ConnectionTestResult {
  /** `ok`, `auth-failed` (401/403), `unreachable` (network), or `failed` (any other answer). */
  outcome: "ok" | "auth-failed" | "unreachable" | "failed";
  /** What the connection was recognised as (for example an endpoint shape); the kind's `type` if nothing finer. */
  kind: string;
  /** Where the request went (a host); never a key. */
  host: string;
  /** The model or deployment that answered, when one did. */
  model?: string;
  /** HTTP status of a failed answer. */
  status?: number;
  /** What went wrong, never containing the key. */
  message?: string;
}

/** Options of a connection test. */
export interface ConnectionTestOptions {
  /** Aborts the test (Ctrl-C, a deadline). */
  signal?: AbortSignal;
  /** How long the test may take, in ms. */
  timeoutMs?: number;
  /** The model or deployment to ask, for kinds that serve models (`weft connection test --model`). */
  model?: string;
}

/**
 * Reads one promptflow connection record (`pf connection create -f x.yaml`) for a kind's
 * `promptflow.toConnection`. Every reader method throws a `connection.invalid` error that names
 * the file and the promptflow field; secrets are never quoted.
 */
export interface PromptflowReader {
  /** Refuses fields other than these (and the ones every promptflow connection has). */
  allowKeys(keys: readonly string[]): void;
  /** A plain text field, or `undefined` when it is absent. */
  optionalText(key: string): string | undefined;
  /** A plain text field that must be present and non-empty. */
  requiredText(key: string): string;
  /** A secret field: a value or `${env:NAME}`; placeholders and masked values are refused. */
  secretText(key: string): string;
  /** A `name: value` map; with `secret`, each value is read as a secret. */
  textMap(key: string, secret: boolean): Record<string, string>;
  /** Whether a text holds an `${env:NAME}` reference (kept as written, resolved when used). */
  hasEnvReference(text: string): boolean;
  /** A `connection.invalid` error about one field, to throw. */
  invalid(key: string, why: string): Error;
}

/** A promptflow connection converted to a weft connection of some registered kind. */
export interface PromptflowConversion {
  /** The weft connection: `type` and fields, secrets as text (or `${env:NAME}`). */
  connection: { type: string; [field: string]: unknown };
  /** How promptflow names our fields, for error messages (`apiKey` → `api_key`). */
  fieldNames: Record<string, string>;
  /** What the conversion decided that the user should know. */
  notes: string[];
}

/**
 * A kind of connection: what a flow's or store's `type` names. A plain value, registered by
 * passing it to `createEngine({ connectionKinds })` (and to the store); never global.
 */
export interface ConnectionKind<Fields extends z.ZodRawShape = z.ZodRawShape> {
  /** The flow/store `type`, e.g. `azure-ai`. */
  readonly type: string;
  /** One sentence for users, shown in help and errors. */
  readonly description: string;
  /**
   * The kind's own fields as a zod object; secret fields use `secretField()`. `type`, `name` and
   * the limits (`maxConcurrency`, `requestsPerMinute`, `tokensPerMinute`) are common to every kind
   * and added by the engine: a kind does not declare them.
   */
  readonly fields: z.ZodObject<Fields>;
  /**
   * The field that says where the connection points (`endpoint`, `baseUrl`), shown as written by
   * `weft connection list`. Never a secret field.
   */
  readonly endpointField?: string;
  /** Where it points, for results and usage labels (e.g. the endpoint's host). Never a key. */
  label(connection: ConnectionOf<Fields>): string;
  /**
   * The non-secret parts that tell two connections apart for the per-connection limit (e.g. the
   * endpoint). The engine adds every secret field's value to the hash itself, so two customers'
   * keys on one endpoint never share a limit.
   */
  identity(connection: ConnectionOf<Fields>): string[];
  /**
   * Checks one literal field value of a connection given to the store (e.g. an endpoint's shape):
   * a message when it is wrong, else `undefined`. It may throw a `FlowError` to keep its own code.
   * Values holding `${env:…}` references are checked once resolved.
   */
  checkField?(field: string, value: unknown): string | undefined;
  /** What `weft connection test` does: the cheapest real call through the connection. */
  test?(connection: ConnectionOf<Fields>, options: ConnectionTestOptions): Promise<ConnectionTestResult>;
  /** How `weft connection import` maps promptflow connection files of these promptflow types. */
  readonly promptflow?: {
    readonly types: readonly string[];
    /** Converts one record; the result may be of another registered kind (an Azure resource URL becomes `openai`). */
    toConnection(record: Record<string, unknown>, read: PromptflowReader): PromptflowConversion;
  };
}

/** Declares a connection kind; the identity function that gives its members their connection type. */
export function defineConnectionKind<Fields extends z.ZodRawShape>(
  kind: ConnectionKind<Fields>,
): ConnectionKind<Fields> {
  return kind;
}

/** A connection kind of any fields, as `createEngine` and lists of kinds hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds kinds of every shape
export type AnyConnectionKind = ConnectionKind<any>;
