import type { AnyConnectionKind, ConnectionKinds } from "@weft/engine";
import type { ConnectionInput } from "./connection-input.js";

/** Options of `openConnectionStore`. */
export interface ConnectionStoreOptions {
  /**
   * The connection kinds the store accepts (e.g. `builtinConnectionKinds` from `@weft/nodes`):
   * records are checked against their kind's schema, and its secret fields are encrypted.
   */
  connectionKinds: ConnectionKinds | readonly AnyConnectionKind[];
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
  /** The connection's name in the store. */
  name: string;
  /** Its kind, e.g. `azure-ai`. */
  type: string;
  /** Where it points (the kind's `endpointField`), as written (possibly a `${env:…}` reference). */
  endpoint?: string;
  /** Requests in flight through it at most, if it sets a limit. */
  maxConcurrency?: number;
  /** Requests started in any 60 seconds at most, if it sets a limit. */
  requestsPerMinute?: number;
  /** Tokens used in any 60 seconds at most, if it sets a limit. */
  tokensPerMinute?: number;
}

/** Options of `create` and `createMany`. */
export interface CreateConnectionOptions {
  /** Replace a connection of the same name instead of failing with `connection.exists`. */
  overwrite?: boolean;
}

/** A connection to save, with its name. */
export interface NamedConnectionInput {
  /** The name to save it under. */
  name: string;
  /** Its kind and fields, secrets in plain text (the store encrypts them). */
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
  /** The id of the new key. */
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
