import { randomBytes } from "node:crypto";
import { chmod, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { FlowError } from "../../errors/flow-error.js";
import type { Connection, ConnectionType } from "../connection.js";
import type { ConnectionProvider } from "../provider.js";
import { removeLeftoverTempFiles } from "./atomic-write.js";
import { connectionFields } from "./connection-fields.js";
import {
  type ConnectionInput,
  type ConnectionPatch,
  checkConnectionName,
  type MaskedConnection,
  parseConnectionInput,
  resolveConnectionEnv,
} from "./connection-input.js";
import { maskConnectionRecord, openConnectionRecord, sealConnection } from "./connection-record.js";
import { removeAbandonedLockFiles, withFileLock } from "./file-lock.js";
import { describeFileError } from "./read-regular-file.js";
import { deriveSecretKey, SECRET_KEY_BYTES } from "./secret-cipher.js";
import {
  createKeyFile,
  describeKeySource,
  discardNextKeyFile,
  exists,
  findSecretKey,
  KEY_FILE,
  type LoadedSecretKey,
  NEXT_KEY_FILE,
  PREVIOUS_KEY_FILE,
  promoteNextKeyFile,
  SECRET_KEY_ENV,
  writeNextKeyFile,
} from "./secret-key.js";
import { readStoreDocument, STORE_FILE, type StoreDocument, writeStoreDocument } from "./store-file.js";

/** Options of `openConnectionStore`. */
export interface ConnectionStoreOptions {
  /** The store's directory. Default: `$WEFT_HOME`, else `~/.weft`. */
  home?: string;
  /**
   * Where `WEFT_HOME`, `WEFT_SECRET_KEY` and `${env:…}` references are read. Default:
   * `process.env`, read each time (references resolve when a connection is fetched).
   */
  env?: NodeJS.ProcessEnv;
  /** How long a write waits for another process's lock, in ms. Default 15 000. */
  lockTimeoutMs?: number;
}

/** One line of `weft connection list`: never a secret. */
export interface StoredConnectionSummary {
  name: string;
  type: ConnectionType;
  /** The azure-ai endpoint or the openai base URL, as written (possibly a `${env:…}` reference). */
  endpoint?: string;
  maxConcurrency?: number;
}

/** Options of `create` and `createMany`. */
export interface CreateConnectionOptions {
  /** Replace a connection of the same name instead of failing with `connection.exists`. */
  overwrite?: boolean;
}

/** A connection to save, with its name. */
export interface NamedConnectionInput {
  name: string;
  connection: ConnectionInput;
}

/** Options of `rotateKey`. */
export interface RotateKeyOptions {
  /**
   * The new key (32 bytes). Required when the current key comes from `WEFT_SECRET_KEY`, since
   * the store cannot change that variable; otherwise a random key is made and saved to the key
   * file.
   */
  newKey?: Uint8Array;
}

/** What `rotateKey` did. */
export interface KeyRotationResult {
  /** The id of the key the store was sealed with before, if it held anything or had a key. */
  previousKeyId: string | undefined;
  keyId: string;
  /** How many connections were re-encrypted. */
  connections: number;
  /** The key file now holding the new key, if the store keeps one. */
  keyFile?: string;
  /** Where the previous key file was kept, if there was one. */
  previousKeyFile?: string;
  /** Whether `WEFT_SECRET_KEY` must now be set to the new key. */
  updateEnv: boolean;
}

/** Opens (lazily: nothing is read or created until used) the local connection store. */
export function openConnectionStore(options: ConnectionStoreOptions = {}): ConnectionStore {
  return new ConnectionStore(options);
}

/**
 * The local, encrypted connection store: `$WEFT_HOME/connections.json` and its key. It is the
 * default `ConnectionProvider`: `get` decrypts one connection and resolves its `${env:…}`
 * references when a request is about to run, so edits and environment changes are picked up
 * without a restart. Writes hold a lock file and replace the file atomically.
 */
export class ConnectionStore implements ConnectionProvider {
  /** The store's directory. */
  readonly home: string;
  /** The store's file. */
  readonly path: string;
  /** The key file (used when `WEFT_SECRET_KEY` is not set). */
  readonly keyPath: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #lockPath: string;
  readonly #lockTimeoutMs: number | undefined;

  constructor(options: ConnectionStoreOptions = {}) {
    this.#env = options.env ?? process.env;
    this.home = resolve(options.home ?? (this.#env.WEFT_HOME || join(homedir(), ".weft")));
    this.path = join(this.home, STORE_FILE);
    this.keyPath = join(this.home, KEY_FILE);
    this.#lockPath = join(this.home, `${STORE_FILE}.lock`);
    this.#lockTimeoutMs = options.lockTimeoutMs;
  }

  /** Names of the stored connections, sorted. Needs no key. */
  async list(): Promise<string[]> {
    const document = await readStoreDocument(this.path);
    return [...document.connections.keys()].sort();
  }

  /** Name, type and endpoint of every stored connection, sorted by name. Needs no key. */
  async listSummaries(): Promise<StoredConnectionSummary[]> {
    const document = await readStoreDocument(this.path);
    return [...document.connections.keys()].sort().map((name) => {
      const masked = maskConnectionRecord(name, document.connections.get(name)!) as Record<string, unknown>;
      const endpoint = masked.endpoint ?? masked.baseUrl;
      return {
        name,
        type: masked.type as ConnectionType,
        ...(typeof endpoint === "string" ? { endpoint } : {}),
        ...(typeof masked.maxConcurrency === "number" ? { maxConcurrency: masked.maxConcurrency } : {}),
      };
    });
  }

  /**
   * The connection, decrypted, with `${env:…}` references resolved from the environment now;
   * `undefined` if there is none. Throws for a wrong or missing key, a tampered record or an
   * unset variable, naming the connection.
   */
  async get(name: string): Promise<Connection | undefined> {
    // A rotation by another process may land between reading the key and the file: retry once.
    for (let attempt = 0; ; attempt++) {
      const document = await readStoreDocument(this.path);
      const record = document.connections.get(name);
      if (record === undefined) return undefined;
      const loaded = await this.#readerKey(document, name);
      try {
        this.#checkStoreKey(document, loaded, name);
        const stored = openConnectionRecord(name, record, loaded.key, this.#context(loaded));
        return resolveConnectionEnv(name, stored, this.#env);
      } catch (error) {
        if (attempt > 0 || !(error instanceof FlowError) || error.code !== "store.wrong-key") throw error;
      }
    }
  }

  /** The connection as stored, secrets masked (`***`, or an `${env:…}` reference as written). Needs no key. */
  async show(name: string): Promise<MaskedConnection> {
    const document = await readStoreDocument(this.path);
    return maskConnectionRecord(name, this.#find(document, name));
  }

  /** Saves a new connection (or replaces one, with `overwrite`). */
  async create(
    name: string,
    connection: ConnectionInput,
    options: CreateConnectionOptions = {},
  ): Promise<void> {
    await this.createMany([{ name, connection }], options);
  }

  /**
   * Saves several connections in one write: all of them, or — if any is invalid or exists
   * already without `overwrite` — none.
   */
  async createMany(
    entries: readonly NamedConnectionInput[],
    options: CreateConnectionOptions = {},
  ): Promise<void> {
    const parsed = new Map<string, Connection>();
    for (const { name, connection } of entries) {
      checkConnectionName(name);
      if (parsed.has(name)) throw new FlowError("connection.invalid", `connection "${name}" is given twice`);
      parsed.set(name, parseConnectionInput(name, connection));
    }
    await this.#write(async (document, key) => {
      const existing = [...parsed.keys()].filter((name) => document.connections.has(name));
      if (existing.length > 0 && !options.overwrite) {
        throw new FlowError(
          "connection.exists",
          `${existing.length === 1 ? "a connection" : "connections"} named ${existing.map((n) => `"${n}"`).join(", ")} ` +
            (existing.length === 1
              ? "already exists; delete it first or overwrite it (--force)"
              : "already exist; delete them first or overwrite them (--force)"),
          { file: this.path },
        );
      }
      const sealing = parsed.size > 0 ? (await key()).key : undefined;
      for (const [name, connection] of parsed)
        document.connections.set(name, sealConnection(name, connection, sealing!));
    });
  }

  /**
   * Changes fields of a stored connection. `null` removes an optional field or a `configs` /
   * `secrets` entry. The type cannot change: create the connection again with `overwrite`.
   */
  async update(name: string, patch: ConnectionPatch): Promise<void> {
    if ((patch as { type?: unknown }).type !== undefined) {
      throw new FlowError(
        "connection.invalid",
        `connection "${name}" type: a connection's type cannot change; create it again with --force`,
      );
    }
    await this.#write(async (document, key) => {
      const record = this.#find(document, name);
      const loaded = await key();
      const stored = openConnectionRecord(name, record, loaded.key, this.#context(loaded));
      const merged = applyPatch(stored, patch);
      document.connections.set(name, sealConnection(name, parseConnectionInput(name, merged), loaded.key));
    });
  }

  /** Removes a stored connection. Needs no key. */
  async delete(name: string): Promise<void> {
    await this.#write(async (document) => {
      this.#find(document, name);
      document.connections.delete(name);
    });
  }

  /**
   * Re-encrypts every connection under a new key, in one atomic write of the store.
   *
   * With a key file: the new key is first saved to `secret.key.new`; then the store is rewritten
   * (the commit point); then `secret.key` becomes `secret.key.old` and the new key takes its
   * place. If the process dies between the steps, the store opens with whichever key it was
   * written with, and the next write finishes the move. With `WEFT_SECRET_KEY`, pass `newKey`
   * and set the variable to it afterwards.
   */
  async rotateKey(options: RotateKeyOptions = {}): Promise<KeyRotationResult> {
    if (options.newKey !== undefined && options.newKey.length !== SECRET_KEY_BYTES) {
      throw new FlowError(
        "store.key-invalid",
        `the new key must be ${SECRET_KEY_BYTES} bytes, got ${options.newKey.length}`,
      );
    }
    return this.#locked(async (document) => {
      const current = await findSecretKey(this.home, this.#env, document.keyId);
      if (current === undefined && document.connections.size > 0) throw this.#keyMissing();
      if (current !== undefined) this.#checkStoreKey(document, current);
      if (current?.pendingPromotion) await promoteNextKeyFile(this.home);
      if (current?.source === "env" && options.newKey === undefined) {
        throw new FlowError(
          "store.key-rotation",
          `the key comes from ${SECRET_KEY_ENV}; make a new one (\`openssl rand -base64 32\`), pass it in ` +
            `another variable (weft connection rotate-key --new-key-env VAR), then set ${SECRET_KEY_ENV} to it`,
        );
      }
      const raw = options.newKey ?? randomBytes(SECRET_KEY_BYTES);
      const next = deriveSecretKey(raw);
      if (next.id === current?.key.id) {
        throw new FlowError("store.key-rotation", "the new key is the same as the current one");
      }
      const context = current && this.#context(current);
      const resealed = [...document.connections].map(
        ([name, record]) =>
          [
            name,
            sealConnection(name, openConnectionRecord(name, record, current!.key, context!), next),
          ] as const,
      );
      const keepsKeyFile = current === undefined || current.source === "file" || (await exists(this.keyPath));
      if (keepsKeyFile) await writeNextKeyFile(this.home, raw);
      await writeStoreDocument(this.path, { keyId: next.id, connections: new Map(resealed) });
      if (keepsKeyFile) await promoteNextKeyFile(this.home);
      const hadKeyFile = current !== undefined && keepsKeyFile;
      return {
        previousKeyId: current?.key.id,
        keyId: next.id,
        connections: resealed.length,
        ...(keepsKeyFile ? { keyFile: this.keyPath } : {}),
        ...(hadKeyFile ? { previousKeyFile: join(this.home, PREVIOUS_KEY_FILE) } : {}),
        updateEnv: current?.source === "env",
      };
    });
  }

  /** Runs a read-modify-write of the store under the lock; `key()` loads (or first makes) the key. */
  async #write(
    change: (document: StoreDocument, key: () => Promise<LoadedSecretKey>) => Promise<void>,
  ): Promise<void> {
    await this.#locked(async (document) => {
      let loaded: LoadedSecretKey | undefined;
      const key = async () => {
        loaded ??= await this.#writerKey(document);
        return loaded;
      };
      await change(document, key);
      if (loaded !== undefined) document.keyId = loaded.key.id;
      await writeStoreDocument(this.path, document);
    });
  }

  async #locked<T>(task: (document: StoreDocument) => Promise<T>): Promise<T> {
    try {
      await mkdir(this.home, { recursive: true, mode: 0o700 }).then(async (created) => {
        if (created !== undefined && process.platform !== "win32") await chmod(this.home, 0o700);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === "EEXIST" || code === "ENOTDIR"
          ? "it is not a directory, expected the store's directory"
          : describeFileError(error, this.home, "the store's directory", "write");
      throw new FlowError("store.file", `${this.home}: ${why}`, { file: this.home });
    }
    const options = this.#lockTimeoutMs === undefined ? {} : { timeoutMs: this.#lockTimeoutMs };
    try {
      return await withFileLock(
        this.#lockPath,
        async () => {
          await removeLeftoverTempFiles(this.home, [STORE_FILE, KEY_FILE, NEXT_KEY_FILE]);
          await removeAbandonedLockFiles(this.#lockPath);
          return task(await readStoreDocument(this.path));
        },
        options,
      );
    } catch (error) {
      throw describeStoreFileError(error);
    }
  }

  /** The key for reading: never created, never moved. */
  async #readerKey(document: StoreDocument, name: string): Promise<LoadedSecretKey> {
    const loaded = await findSecretKey(this.home, this.#env, document.keyId);
    if (loaded === undefined) throw this.#keyMissing(name);
    return loaded;
  }

  /** The key for writing: made on first use of an empty store; finishes an interrupted rotation. */
  async #writerKey(document: StoreDocument): Promise<LoadedSecretKey> {
    const loaded = await findSecretKey(this.home, this.#env, document.keyId);
    if (loaded === undefined) {
      if (document.connections.size > 0) throw this.#keyMissing();
      return createKeyFile(this.home);
    }
    this.#checkStoreKey(document, loaded);
    if (loaded.pendingPromotion) await promoteNextKeyFile(this.home);
    else await discardNextKeyFile(this.home);
    return loaded;
  }

  /**
   * A store holds data of one key only: its `keyId`, checked before anything is decrypted (so a
   * file written under another key says so, rather than failing on its first record) and before
   * anything is written with another key. `name` is the connection being read, if any.
   */
  #checkStoreKey(document: StoreDocument, loaded: LoadedSecretKey, name?: string): void {
    if (document.keyId === undefined || document.keyId === loaded.key.id) return;
    throw new FlowError(
      "store.wrong-key",
      `${name === undefined ? "" : `cannot open connection "${name}": `}${this.path} was saved with key ` +
        `${document.keyId}, but the key from ${describeKeySource(loaded)} is ${loaded.key.id}; ` +
        "use the key it was saved with",
      { file: this.path, ...(name === undefined ? {} : { path: name }) },
    );
  }

  #keyMissing(name?: string): FlowError {
    const subject =
      name === undefined ? `${this.path} holds encrypted connections` : `connection "${name}" is encrypted`;
    return new FlowError(
      "store.key-missing",
      `${subject}, but there is no key: set ${SECRET_KEY_ENV} or restore ${this.keyPath} ` +
        "(a new key cannot open what the old one sealed)",
      { file: this.path },
    );
  }

  #context(loaded: LoadedSecretKey) {
    return { file: this.path, keySource: describeKeySource(loaded) };
  }

  #find(document: StoreDocument, name: string) {
    const record = document.connections.get(name);
    if (record !== undefined) return record;
    const known = [...document.connections.keys()].sort();
    throw new FlowError(
      "connection.unknown",
      `no connection named "${name}" in ${this.path}` +
        (known.length > 0
          ? `; known: ${known.slice(0, 10).join(", ")}${known.length > 10 ? ", …" : ""}`
          : ""),
      { file: this.path },
    );
  }
}

/**
 * A file system error from a store operation (a full disk, a lock file that is a directory, a
 * read-only directory) as a one-line `store.file` error naming the path; other errors unchanged.
 */
function describeStoreFileError(error: unknown): unknown {
  const { code, path } = error as NodeJS.ErrnoException;
  if (error instanceof FlowError || typeof code !== "string" || typeof path !== "string") return error;
  const action = code === "ENOENT" || code === "EISDIR" || code === "ELOOP" ? "read" : "write";
  return new FlowError(
    "store.file",
    `${path}: ${describeFileError(error, path, "a file of the connection store", action)}`,
    { file: path },
  );
}

/** Applies a patch to a stored connection; the result is checked by the caller. */
function applyPatch(stored: Connection, patch: ConnectionPatch): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  const recordFields = new Set(
    (connectionFields(stored.type) ?? []).filter((f) => f.record).map((f) => f.name),
  );
  for (const [field, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (value === null) {
      delete merged[field];
    } else if (recordFields.has(field) && typeof value === "object" && !Array.isArray(value)) {
      const entries = { ...(merged[field] as Record<string, unknown>) };
      for (const [entry, item] of Object.entries(value)) {
        if (item === null) delete entries[entry];
        else if (item !== undefined) entries[entry] = item;
      }
      merged[field] = entries;
    } else {
      merged[field] = value;
    }
  }
  return merged;
}
