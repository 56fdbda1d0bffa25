import { FlowError } from "../../errors/flow-error.js";
import { SECRET_MASK, Secret } from "../../secrets/secret.js";
import type { Connection } from "../connection.js";
import { isEnvReference } from "../env.js";
import { connectionFields } from "./connection-fields.js";
import { type MaskedConnection, parseConnectionInput } from "./connection-input.js";
import {
  checkRecordCode,
  openValue,
  recordCode,
  type SecretKey,
  sealValue,
  UnsealError,
} from "./secret-cipher.js";
import type { StoredRecord } from "./store-file.js";

/**
 * Converting connections to stored records and back. A secret field is sealed unless it is
 * exactly one `${env:NAME}` reference (a variable's name is not a secret, and `show` prints it);
 * every record carries an integrity code over all its fields, so a changed endpoint is caught as
 * surely as a changed ciphertext.
 */

/** Where a record is being opened, for error messages. */
export interface RecordContext {
  /** The store's file. */
  file: string;
  /** How the key in use is named (`WEFT_SECRET_KEY` or a key file's path). */
  keySource: string;
}

/** Seals a connection's secrets under `key` and adds the record's integrity code. */
export function sealConnection(name: string, connection: Connection, key: SecretKey): StoredRecord {
  const fields = connection as unknown as Record<string, unknown>;
  const record: Record<string, unknown> = { type: connection.type };
  for (const field of connectionFields(connection.type) ?? []) {
    const value = fields[field.name];
    if (value === undefined) continue;
    if (field.secret === "value") {
      record[field.name] = sealSecret(key, value as Secret, [name, field.name]);
    } else if (field.secret === "entries") {
      const entries = Object.entries(value as Record<string, Secret>);
      record[field.name] = Object.fromEntries(
        entries.map(([entry, secret]) => [entry, sealSecret(key, secret, [name, field.name, entry])]),
      );
    } else {
      record[field.name] = field.record ? { ...(value as Record<string, string>) } : value;
    }
  }
  return { ...record, type: connection.type, mac: recordCode(key, name, record) };
}

/**
 * Checks a record's integrity and opens its secrets, giving the connection as it was stored
 * (`${env:…}` references not yet resolved). Throws `store.wrong-key` or `store.tampered` naming
 * the connection, never a secret.
 */
export function openConnectionRecord(
  name: string,
  record: StoredRecord,
  key: SecretKey,
  context: RecordContext,
): Connection {
  const { mac, ...fields } = record;
  const fail = (error: unknown): never => {
    throw error instanceof UnsealError ? unsealFailure(name, key, context, error) : error;
  };
  try {
    checkRecordCode(key, mac, name, fields);
  } catch (error) {
    fail(error);
  }
  const kind = connectionFields(record.type);
  if (kind === undefined) {
    throw new FlowError(
      "store.corrupt",
      `connection "${name}" in ${context.file} has type ${JSON.stringify(record.type)}, which this weft does not know; upgrade weft`,
      { file: context.file, path: name },
    );
  }
  const input: Record<string, unknown> = { type: record.type };
  try {
    for (const field of kind) {
      const value = fields[field.name];
      if (value === undefined) continue;
      if (field.secret === "value") {
        input[field.name] = openSecret(key, value, [name, field.name]);
      } else if (field.secret === "entries") {
        const entries = Object.entries(value as Record<string, unknown>);
        input[field.name] = Object.fromEntries(
          entries.map(([entry, sealed]) => [entry, openSecret(key, sealed, [name, field.name, entry])]),
        );
      } else {
        input[field.name] = value;
      }
    }
  } catch (error) {
    fail(error);
  }
  return parseConnectionInput(name, input, { file: context.file, path: name });
}

/** The record with its secrets masked — `***`, or the `${env:…}` reference as written. Needs no key. */
export function maskConnectionRecord(name: string, record: StoredRecord): MaskedConnection {
  const masked: Record<string, unknown> = { name, type: record.type };
  for (const field of connectionFields(record.type) ?? []) {
    const value = record[field.name];
    if (value === undefined) continue;
    if (field.secret === "value") masked[field.name] = maskSecret(value);
    else if (field.secret === "entries") {
      masked[field.name] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([entry, item]) => [entry, maskSecret(item)]),
      );
    } else masked[field.name] = field.record ? { ...(value as Record<string, string>) } : value;
  }
  return masked as MaskedConnection;
}

function sealSecret(key: SecretKey, secret: Secret, context: readonly string[]): string {
  const text = secret.reveal();
  return isEnvReference(text) ? text : sealValue(key, text, context);
}

function openSecret(key: SecretKey, stored: unknown, context: readonly string[]): Secret {
  if (typeof stored !== "string") throw new UnsealError({ reason: "malformed" });
  return new Secret(isEnvReference(stored) ? stored : openValue(key, stored, context));
}

function maskSecret(stored: unknown): string {
  return typeof stored === "string" && isEnvReference(stored) ? stored : SECRET_MASK;
}

function unsealFailure(name: string, key: SecretKey, context: RecordContext, error: UnsealError): FlowError {
  const where = { file: context.file, path: name };
  if (error.failure.reason === "other-key") {
    return new FlowError(
      "store.wrong-key",
      `connection "${name}" was saved with key ${error.failure.keyId}, but the key from ${context.keySource} ` +
        `is ${key.id}; use the key it was saved with, or create the connection again`,
      where,
    );
  }
  return new FlowError(
    "store.tampered",
    `connection "${name}" in ${context.file} fails its integrity check: the file was changed outside weft ` +
      "or is damaged; restore it from a backup or create the connection again",
    where,
  );
}
