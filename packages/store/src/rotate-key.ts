import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { ConnectionKinds } from "@weft/engine";
import { FlowError } from "@weft/engine";
import { openConnectionRecord, sealConnection } from "./connection-record.js";
import type { KeyRotationResult, RotateKeyOptions } from "./connection-store-types.js";
import { deriveSecretKey, SECRET_KEY_BYTES } from "./secret-cipher.js";
import {
  describeKeySource,
  exists,
  PREVIOUS_KEY_FILE,
  promoteNextKeyFile,
  SECRET_KEY_ENV,
  writeNextKeyFile,
} from "./secret-key.js";
import { type StoreDocument, writeStoreDocument } from "./store-file.js";
import type { StoreKeys } from "./store-keys.js";

/** Checks a key given for `rotateKey` before anything is locked or read. */
export function checkNewKey(newKey: Uint8Array | undefined): void {
  if (newKey !== undefined && newKey.length !== SECRET_KEY_BYTES) {
    throw new FlowError(
      "store.key-invalid",
      `the new key must be ${SECRET_KEY_BYTES} bytes, got ${newKey.length}`,
    );
  }
}

/**
 * Re-encrypts every connection of `document` under a new key and writes the store; the caller
 * holds the store's lock (`ConnectionStore.rotateKey`).
 *
 * With a key file: the new key is first saved to `secret.key.new`; then the store is rewritten
 * (the commit point); then `secret.key` becomes `secret.key.old` and the new key takes its
 * place. If the process dies between the steps, the store opens with whichever key it was
 * written with, and the next write finishes the move.
 */
export async function rotateKey(
  keys: StoreKeys,
  kinds: ConnectionKinds,
  document: StoreDocument,
  options: RotateKeyOptions,
): Promise<KeyRotationResult> {
  const current = await keys.findKey(document.keyId);
  if (current === undefined && document.connections.size > 0) throw keys.keyMissing();
  if (current !== undefined) keys.checkStoreKey(document, current);
  if (current?.pendingPromotion) await promoteNextKeyFile(keys.home);
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
  const context = current && { kinds, file: keys.storePath, keySource: describeKeySource(current) };
  const resealed = [...document.connections].map(
    ([name, record]) =>
      [
        name,
        sealConnection(kinds, name, openConnectionRecord(name, record, current!.key, context!), next),
      ] as const,
  );
  const keepsKeyFile = current === undefined || current.source === "file" || (await exists(keys.keyPath));
  if (keepsKeyFile) await writeNextKeyFile(keys.home, raw);
  await writeStoreDocument(keys.storePath, { keyId: next.id, connections: new Map(resealed) });
  if (keepsKeyFile) await promoteNextKeyFile(keys.home);
  const hadKeyFile = current !== undefined && keepsKeyFile;
  return {
    previousKeyId: current?.key.id,
    keyId: next.id,
    connections: resealed.length,
    ...(keepsKeyFile ? { keyFile: keys.keyPath } : {}),
    ...(hadKeyFile ? { previousKeyFile: join(keys.home, PREVIOUS_KEY_FILE) } : {}),
    updateEnv: current?.source === "env",
  };
}
