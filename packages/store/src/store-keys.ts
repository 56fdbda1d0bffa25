import { FlowError } from "@weft/engine";
import {
  createKeyFile,
  describeKeySource,
  discardNextKeyFile,
  findSecretKey,
  type LoadedSecretKey,
  promoteNextKeyFile,
  SECRET_KEY_ENV,
} from "./secret-key.js";
import type { StoreDocument } from "./store-file.js";

/**
 * The key of one store: where it is found (`WEFT_SECRET_KEY` or the key file in the store's
 * directory) and the rule that a store holds data of one key only.
 */
export class StoreKeys {
  /**
   * @param home - the store's directory, holding the key file.
   * @param storePath - the store's file, named in errors.
   * @param keyPath - the key file, named in errors.
   * @param env - where `WEFT_SECRET_KEY` is read.
   */
  constructor(
    readonly home: string,
    readonly storePath: string,
    readonly keyPath: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The key the store was (or will be) sealed with, if there is one; nothing is created or moved. */
  findKey(keyId: string | undefined): Promise<LoadedSecretKey | undefined> {
    return findSecretKey(this.home, this.env, keyId);
  }

  /** The key for reading: never created, never moved. */
  async readerKey(document: StoreDocument, name: string): Promise<LoadedSecretKey> {
    const loaded = await this.findKey(document.keyId);
    if (loaded === undefined) throw this.keyMissing(name);
    return loaded;
  }

  /** The key for writing: made on first use of an empty store; finishes an interrupted rotation. */
  async writerKey(document: StoreDocument): Promise<LoadedSecretKey> {
    const loaded = await this.findKey(document.keyId);
    if (loaded === undefined) {
      if (document.connections.size > 0) throw this.keyMissing();
      return createKeyFile(this.home);
    }
    this.checkStoreKey(document, loaded);
    if (loaded.pendingPromotion) await promoteNextKeyFile(this.home);
    else await discardNextKeyFile(this.home);
    return loaded;
  }

  /**
   * A store holds data of one key only: its `keyId`, checked before anything is decrypted (so a
   * file written under another key says so, rather than failing on its first record) and before
   * anything is written with another key. `name` is the connection being read, if any.
   */
  checkStoreKey(document: StoreDocument, loaded: LoadedSecretKey, name?: string): void {
    if (document.keyId === undefined || document.keyId === loaded.key.id) return;
    throw new FlowError(
      "store.wrong-key",
      `${name === undefined ? "" : `cannot open connection "${name}": `}${this.storePath} was saved with key ` +
        `${document.keyId}, but the key from ${describeKeySource(loaded)} is ${loaded.key.id}; ` +
        "use the key it was saved with",
      { file: this.storePath, ...(name === undefined ? {} : { path: name }) },
    );
  }

  /** The error for a store holding encrypted connections without a key; `name` is the connection read, if any. */
  keyMissing(name?: string): FlowError {
    const subject =
      name === undefined
        ? `${this.storePath} holds encrypted connections`
        : `connection "${name}" is encrypted`;
    return new FlowError(
      "store.key-missing",
      `${subject}, but there is no key: set ${SECRET_KEY_ENV} or restore ${this.keyPath} ` +
        "(a new key cannot open what the old one sealed)",
      { file: this.storePath },
    );
  }
}
