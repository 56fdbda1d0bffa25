import { createHash } from "node:crypto";
import type { z } from "zod";
import { checkWith } from "../check-with.js";
import { describeValue, type ErrorLocation, FlowError } from "../errors/flow-error.js";
import { Secret } from "../secrets/secret.js";
import { type ConnectionField, describeConnectionFields } from "./connection-fields.js";
import { connectionSchema } from "./connection-schema.js";
import type { AnyConnectionKind, Connection } from "./define-connection-kind.js";

/** A registered kind with what is derived from it once. */
interface KindEntry {
  kind: AnyConnectionKind;
  /** The kind's fields with `type`, `name` and the limits (`maxConcurrency`, `requestsPerMinute`, `tokensPerMinute`). */
  schema: z.ZodObject;
  /** Every field but `type` and `name`, secret ones marked. */
  fields: ConnectionField[];
  /**
   * Whether every secret sits in a field of its own: a connection checked (and frozen) then keeps
   * its secrets, while an object of secrets inside it is not frozen.
   */
  fixedSecrets: boolean;
}

/**
 * The connection kinds an engine (or a store) knows, by `type`. Built from a plain array; never
 * global. Everything the engine does with a connection — validating it, finding its secrets,
 * labelling it, telling two apart — goes through the kind, so no kind is special.
 */
export class ConnectionKinds {
  readonly #kinds = new Map<string, AnyConnectionKind>();
  /** What is derived from each kind, on first use: most processes use few of the kinds they know. */
  readonly #entries = new Map<string, KindEntry>();
  /**
   * What values already checked gave: a static connection is the same object on every request.
   * A connection this registry made needs no entry: it carries a mark (see `check`).
   */
  readonly #parsed = new WeakMap<object, Connection>();
  readonly #wrapped = new WeakMap<object, Connection>();
  /** Identities of connections this registry did not make (see `identityKey`). */
  readonly #identities = new WeakMap<Connection, string>();

  constructor(kinds: readonly AnyConnectionKind[]) {
    for (const kind of kinds) {
      if (this.#kinds.has(kind.type)) {
        throw new FlowError(
          "engine.duplicate-connection-kind",
          `connection kind "${kind.type}" is registered twice`,
        );
      }
      this.#kinds.set(kind.type, kind);
    }
  }

  /** The registered kind of this `type` with what is derived from it. */
  #entry(type: string): KindEntry | undefined {
    const entry = this.#entries.get(type);
    if (entry !== undefined) return entry;
    const kind = this.#kinds.get(type);
    if (kind === undefined) return undefined;
    const schema = connectionSchema(kind) as unknown as z.ZodObject;
    const fields = describeConnectionFields(schema);
    const fixedSecrets = fields.every((field) => field.secret !== "entries");
    const derived = { kind, schema, fields, fixedSecrets };
    this.#entries.set(type, derived);
    return derived;
  }

  /** The kind of this `type`, if registered. */
  get(type: string): AnyConnectionKind | undefined {
    return this.#kinds.get(type);
  }

  /** Every registered kind, in the order given. */
  list(): AnyConnectionKind[] {
    return [...this.#kinds.values()];
  }

  /** The registered `type`s, in the order given. */
  types(): string[] {
    return [...this.#kinds.keys()];
  }

  /** The fields of a kind (without `type` and `name`, with the limits), secret ones marked. */
  fields(type: string): ConnectionField[] | undefined {
    return this.#entry(type)?.fields;
  }

  /** The whole zod schema of a kind's connections, `type`, `name` and the limits included. */
  schema(type: string): z.ZodObject | undefined {
    return this.#entry(type)?.schema;
  }

  /**
   * Checks a value against its kind and gives the connection, or says what is wrong with it
   * (never quoting a secret). Secret fields must hold `Secret`s; with `wrapSecrets` (for what an
   * app supplies), plain strings there are wrapped. A connection built in a flow gets no such
   * help: a key written into a flow as text is refused. With `remember: false` (a node's output,
   * a new object each run) the value is not remembered as checked: only the connection made is.
   */
  check(
    value: unknown,
    options: { wrapSecrets?: boolean; remember?: boolean } = {},
  ): { connection: Connection; problem?: undefined } | { problem: string } {
    const cache = options.wrapSecrets ? this.#wrapped : this.#parsed;
    if (value !== null && typeof value === "object") {
      if (this.#markOf(value) !== undefined) return { connection: value as Connection };
      const known = cache.get(value);
      if (known) return { connection: known };
    }
    const type = (value as { type?: unknown } | null)?.type;
    const entry = typeof type === "string" && !Array.isArray(value) ? this.#entry(type) : undefined;
    if (entry === undefined) {
      const got = typeof type === "string" ? `type ${describeValue(type)}` : describeValue(value);
      return { problem: `${this.#expected()}, got ${got}` };
    }
    const fields = value as Record<string, unknown>;
    const parsed = checkWith(entry.schema, options.wrapSecrets ? wrapSecrets(fields, entry.fields) : fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.join(".");
      return {
        problem: `${this.#expected()}, got an object that is not a valid ${entry.kind.type} connection (${path ? `${path}: ` : ""}${issue?.message})`,
      };
    }
    // The copy the schema made: marked as checked by this registry and frozen, so that the mark
    // stays true. A connection made in a run (a new object each run) then costs no cache entry:
    // what is derived from it later (its secrets, its identity) is kept in the mark.
    const mark: CheckedMark = { registry: this, secrets: undefined, identity: undefined };
    const connection = Object.freeze(
      Object.defineProperty(parsed.data as Connection, CHECKED, { value: mark }),
    ) as Connection;
    if (options.remember !== false) cache.set(value as object, connection);
    return { connection };
  }

  /** What a connection must be, said only when a value is not one (not built for each valid one). */
  #expected(): string {
    return `expected a connection (${this.types()
      .map((known) => `"${known}"`)
      .join(", ")})`;
  }

  /** `check`, throwing `connection.invalid` (`<subject>: <problem>`) for a value that is no connection. */
  parse(value: unknown, where: ErrorLocation & { subject?: string; wrapSecrets?: boolean } = {}): Connection {
    const { subject = "connection", wrapSecrets, ...location } = where;
    const result = this.check(value, { wrapSecrets: wrapSecrets === true });
    if (result.problem === undefined) return result.connection;
    throw new FlowError("connection.invalid", `${subject}: ${result.problem}`, location);
  }

  /** Whether a value is a connection of a registered kind. */
  isConnection(value: unknown): value is Connection {
    return this.check(value).problem === undefined;
  }

  /** Every secret a connection holds, so a run can scrub them from what it lets out. */
  secrets(connection: Connection): Secret[] {
    // A connection this registry checked is frozen: its secrets are found once, for every request.
    const mark = this.#markOf(connection);
    if (mark === undefined || !this.#entry(connection.type)?.fixedSecrets) {
      return this.#findSecrets(connection);
    }
    mark.secrets ??= this.#findSecrets(connection);
    return mark.secrets.slice();
  }

  /** The mark of a connection this registry checked and made. */
  #markOf(value: object | null): CheckedMark | undefined {
    const mark = (value as { [CHECKED]?: CheckedMark })[CHECKED];
    return mark?.registry === this ? mark : undefined;
  }

  #findSecrets(connection: Connection): Secret[] {
    const secrets: Secret[] = [];
    for (const field of this.#entry(connection.type)?.fields ?? []) {
      const value = connection[field.name];
      if (field.secret === "value" && value instanceof Secret) secrets.push(value);
      if (field.secret === "entries" && value !== null && typeof value === "object") {
        for (const item of Object.values(value)) if (item instanceof Secret) secrets.push(item);
      }
    }
    return secrets;
  }

  /** Where a connection points, by its kind (a host): for results and usage labels. */
  label(connection: Connection): string {
    return this.#kinds.get(connection.type)?.label(connection) ?? connection.type;
  }

  /**
   * A stable identity for the per-connection limit and usage: the kind, its identity parts and
   * every secret, hashed, so it holds no secret in clear and two keys never share it.
   */
  identityKey(connection: Connection): string {
    const mark = this.#markOf(connection);
    let key = mark ? mark.identity : this.#identities.get(connection);
    if (key === undefined) {
      const hash = createHash("sha256");
      hash.update(connection.type);
      for (const part of this.#kinds.get(connection.type)?.identity(connection) ?? []) {
        hash.update(`\0${part}`);
      }
      for (const secret of this.secrets(connection)) hash.update(`\u0001${secret.reveal()}`);
      key = hash.digest("base64url");
      if (mark) mark.identity = key;
      else this.#identities.set(connection, key);
    }
    return key;
  }
}

/** Marks a connection a registry checked and made; not enumerable, so never printed nor copied. */
const CHECKED = Symbol("weft.checkedConnection");

/** What a connection's mark holds: the registry that made it, and what was derived from it since. */
interface CheckedMark {
  readonly registry: ConnectionKinds;
  secrets: readonly Secret[] | undefined;
  identity: string | undefined;
}

/** Plain strings given for secret fields become `Secret`s (an app's in-memory connections, say). */
function wrapSecrets(
  value: Record<string, unknown>,
  fields: readonly ConnectionField[],
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const field of fields) {
    const item = value[field.name];
    if (field.secret === "value" && typeof item === "string") {
      copy ??= { ...value };
      copy[field.name] = new Secret(item);
    } else if (
      field.secret === "entries" &&
      item !== null &&
      typeof item === "object" &&
      !Array.isArray(item)
    ) {
      const entries = Object.entries(item);
      if (entries.some(([, entry]) => typeof entry === "string")) {
        copy ??= { ...value };
        copy[field.name] = Object.fromEntries(
          entries.map(([name, entry]) => [name, typeof entry === "string" ? new Secret(entry) : entry]),
        );
      }
    }
  }
  return copy ?? value;
}
