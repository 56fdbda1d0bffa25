import { chmod, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Connection, ConnectionProvider } from "@weft/engine";
import { ConnectionKinds, FlowError, unknownConnectionError } from "@weft/engine";
import { applyConnectionPatch } from "./apply-connection-patch.js";
import { removeLeftoverTempFiles } from "./atomic-write.js";
import {
  type ConnectionInput,
  type ConnectionPatch,
  checkConnectionName,
  type MaskedConnection,
  parseConnectionInput,
  resolveConnectionEnv,
} from "./connection-input.js";
import { maskConnectionRecord, openConnectionRecord, sealConnection } from "./connection-record.js";
import type {
  ConnectionStoreOptions,
  CreateConnectionOptions,
  KeyRotationResult,
  NamedConnectionInput,
  RotateKeyOptions,
  StoredConnectionSummary,
} from "./connection-store-types.js";
import { describeStoreFileError } from "./describe-store-file-error.js";
import { removeAbandonedLockFiles, withFileLock } from "./file-lock.js";
import { describeFileError } from "./read-regular-file.js";
import { checkNewKey, rotateKey } from "./rotate-key.js";
import { describeKeySource, KEY_FILE, type LoadedSecretKey, NEXT_KEY_FILE } from "./secret-key.js";
import { readStoreDocument, STORE_FILE, type StoreDocument, writeStoreDocument } from "./store-file.js";
import { StoreKeys } from "./store-keys.js";

/** Opens (lazily: nothing is read or created until used) the local connection store. */
export function openConnectionStore(options: ConnectionStoreOptions): ConnectionStore {
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
  /** The kinds of connection it accepts. */
  readonly kinds: ConnectionKinds;
  readonly #env: NodeJS.ProcessEnv;
  readonly #keys: StoreKeys;
  readonly #lockPath: string;
  readonly #lockTimeoutMs: number | undefined;

  constructor(options: ConnectionStoreOptions) {
    this.kinds =
      options.connectionKinds instanceof ConnectionKinds
        ? options.connectionKinds
        : new ConnectionKinds(options.connectionKinds);
    this.#env = options.env ?? process.env;
    this.home = resolve(options.home ?? (this.#env.WEFT_HOME || join(homedir(), ".weft")));
    this.path = join(this.home, STORE_FILE);
    this.keyPath = join(this.home, KEY_FILE);
    this.#lockPath = join(this.home, `${STORE_FILE}.lock`);
    this.#lockTimeoutMs = options.lockTimeoutMs;
    this.#keys = new StoreKeys(this.home, this.path, this.keyPath, this.#env);
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
      const masked = maskConnectionRecord(this.kinds, name, document.connections.get(name)!);
      const endpointField = this.kinds.get(masked.type)?.endpointField;
      const endpoint = endpointField === undefined ? undefined : masked[endpointField];
      return {
        name,
        type: masked.type,
        ...(typeof endpoint === "string" ? { endpoint } : {}),
        ...(typeof masked.maxConcurrency === "number" ? { maxConcurrency: masked.maxConcurrency } : {}),
        ...(typeof masked.requestsPerMinute === "number"
          ? { requestsPerMinute: masked.requestsPerMinute }
          : {}),
        ...(typeof masked.tokensPerMinute === "number" ? { tokensPerMinute: masked.tokensPerMinute } : {}),
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
      const loaded = await this.#keys.readerKey(document, name);
      try {
        this.#keys.checkStoreKey(document, loaded, name);
        const stored = openConnectionRecord(name, record, loaded.key, this.#context(loaded));
        return resolveConnectionEnv(this.kinds, name, stored, this.#env);
      } catch (error) {
        if (attempt > 0 || !(error instanceof FlowError) || error.code !== "store.wrong-key") throw error;
      }
    }
  }

  /** The connection as stored, secrets masked (`***`, or an `${env:…}` reference as written). Needs no key. */
  async show(name: string): Promise<MaskedConnection> {
    const document = await readStoreDocument(this.path);
    return maskConnectionRecord(this.kinds, name, this.#find(document, name));
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
      parsed.set(name, parseConnectionInput(this.kinds, name, connection));
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
        document.connections.set(name, sealConnection(this.kinds, name, connection, sealing!));
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
      const merged = applyConnectionPatch(this.kinds, stored, patch);
      document.connections.set(
        name,
        sealConnection(this.kinds, name, parseConnectionInput(this.kinds, name, merged), loaded.key),
      );
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
    checkNewKey(options.newKey);
    return this.#locked((document) => rotateKey(this.#keys, this.kinds, document, options));
  }

  /** Runs a read-modify-write of the store under the lock; `key()` loads (or first makes) the key. */
  async #write(
    change: (document: StoreDocument, key: () => Promise<LoadedSecretKey>) => Promise<void>,
  ): Promise<void> {
    await this.#locked(async (document) => {
      let loaded: LoadedSecretKey | undefined;
      const key = async () => {
        loaded ??= await this.#keys.writerKey(document);
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

  #context(loaded: LoadedSecretKey) {
    return { kinds: this.kinds, file: this.path, keySource: describeKeySource(loaded) };
  }

  #find(document: StoreDocument, name: string) {
    const record = document.connections.get(name);
    if (record !== undefined) return record;
    throw unknownConnectionError(name, [...document.connections.keys()].sort(), {
      note: `in ${this.path}`,
      file: this.path,
    });
  }
}
