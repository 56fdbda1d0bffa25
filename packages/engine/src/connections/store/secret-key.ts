import { randomBytes } from "node:crypto";
import { link, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { FlowError } from "../../errors/flow-error.js";
import { MAX_KEY_FILE_BYTES } from "../../limits.js";
import { syncDirectory, writeFileAtomic } from "./atomic-write.js";
import { readRegularFile } from "./read-regular-file.js";
import { deriveSecretKey, SECRET_KEY_BYTES, type SecretKey } from "./secret-cipher.js";

/**
 * Where the store's key comes from: `WEFT_SECRET_KEY` (base64 of 32 bytes) or the key file
 * `$WEFT_HOME/secret.key`, made with mode 0600 the first time something is saved. Both may be
 * set only if they agree. During a key rotation the new key waits in `secret.key.new` until the
 * store has been rewritten with it; the previous key is kept as `secret.key.old`.
 */

/** The environment variable that holds the key. */
export const SECRET_KEY_ENV = "WEFT_SECRET_KEY";
/** File names inside `$WEFT_HOME`. */
export const KEY_FILE = "secret.key";
export const NEXT_KEY_FILE = "secret.key.new";
export const PREVIOUS_KEY_FILE = "secret.key.old";

/** A key and where it was found. */
export interface LoadedSecretKey {
  key: SecretKey;
  /** `env`: `WEFT_SECRET_KEY`; `file`: a key file. */
  source: "env" | "file";
  /** The key file it was read from (for `file`), for messages. */
  path?: string;
  /**
   * The store was rewritten with a rotated key but the process stopped before that key was
   * moved into `secret.key`; the next write finishes the move.
   */
  pendingPromotion: boolean;
}

/** How a loaded key is named in messages. */
export function describeKeySource(loaded: LoadedSecretKey): string {
  return loaded.source === "env" ? SECRET_KEY_ENV : (loaded.path ?? KEY_FILE);
}

/**
 * Finds the key to use, or `undefined` if there is none. `storeKeyId` is the key the store was
 * written with, if it holds anything, so an interrupted rotation can be recognised. Throws for
 * conflicting sources, a malformed key, or a key file other users could read.
 */
export async function findSecretKey(
  home: string,
  env: NodeJS.ProcessEnv,
  storeKeyId: string | undefined,
): Promise<LoadedSecretKey | undefined> {
  const fromEnv = readEnvKey(env);
  const filePath = join(home, KEY_FILE);
  const nextPath = join(home, NEXT_KEY_FILE);
  const fromFile = await readKeyFile(filePath);
  const next = storeKeyId === undefined ? undefined : await readKeyFile(nextPath);
  const pending = next !== undefined && next.id === storeKeyId && fromFile?.id !== storeKeyId;
  const file = pending ? { key: next, path: nextPath } : fromFile && { key: fromFile, path: filePath };

  if (fromEnv && file && fromEnv.id !== file.key.id) {
    throw new FlowError(
      "store.key-conflict",
      `${SECRET_KEY_ENV} (key ${fromEnv.id}) and ${file.path} (key ${file.key.id}) hold different keys; ` +
        `unset ${SECRET_KEY_ENV} or remove the key file, whichever is wrong`,
      { file: file.path },
    );
  }
  if (fromEnv) return { key: fromEnv, source: "env", pendingPromotion: pending };
  if (file) return { key: file.key, source: "file", path: file.path, pendingPromotion: pending };
  return undefined;
}

/** Creates the key file with a new random key. Fails if one appeared meanwhile. */
export async function createKeyFile(home: string): Promise<LoadedSecretKey> {
  const path = join(home, KEY_FILE);
  const raw = randomBytes(SECRET_KEY_BYTES);
  await writeFileAtomic(path, encodeKey(raw), { exclusive: true });
  return { key: deriveSecretKey(raw), source: "file", path, pendingPromotion: false };
}

/** Writes a rotated key to `secret.key.new`, where it waits until the store is rewritten. */
export async function writeNextKeyFile(home: string, raw: Uint8Array): Promise<string> {
  const path = join(home, NEXT_KEY_FILE);
  await writeFileAtomic(path, encodeKey(raw));
  return path;
}

/**
 * Finishes a rotation once the store holds data sealed with the new key: the current key file
 * becomes `secret.key.old` (a hard link, so `secret.key` never goes missing) and
 * `secret.key.new` replaces `secret.key` in one rename. Safe to run again after a crash.
 */
export async function promoteNextKeyFile(home: string): Promise<void> {
  const path = join(home, KEY_FILE);
  const previous = join(home, PREVIOUS_KEY_FILE);
  if (await exists(path)) {
    await rm(previous, { force: true });
    await link(path, previous);
  }
  await rename(join(home, NEXT_KEY_FILE), path);
  await syncDirectory(home);
}

/** Removes a `secret.key.new` left by a rotation that stopped before the store was rewritten. */
export async function discardNextKeyFile(home: string): Promise<void> {
  await rm(join(home, NEXT_KEY_FILE), { force: true });
}

/** Decodes a key given as base64 (or base64url) text, or throws `store.key-invalid`. */
export function decodeKey(text: string, source: string, where: { file?: string } = {}): Uint8Array {
  const trimmed = text.trim();
  const raw = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
  if (raw === undefined || raw.length !== SECRET_KEY_BYTES || !sameEncoding(raw, trimmed)) {
    throw new FlowError(
      "store.key-invalid",
      `${source}: expected a ${SECRET_KEY_BYTES}-byte key encoded as base64 (make one with ` +
        `\`openssl rand -base64 32\`), got ${raw ? `${raw.length} bytes` : "text that is not base64"}`,
      where,
    );
  }
  return raw;
}

/** The text a key file holds. */
export function encodeKey(raw: Uint8Array): string {
  return `${Buffer.from(raw).toString("base64")}\n`;
}

function readEnvKey(env: NodeJS.ProcessEnv): SecretKey | undefined {
  const text = env[SECRET_KEY_ENV];
  if (text === undefined || text.trim() === "") return undefined;
  return deriveSecretKey(decodeKey(text, SECRET_KEY_ENV));
}

async function readKeyFile(path: string): Promise<SecretKey | undefined> {
  // Whatever else is wrong with the path (a directory, a loop, no such file) is for
  // readRegularFile to say; a regular file must first be private.
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile() && process.platform !== "win32" && (info.mode & 0o077) !== 0) {
    throw new FlowError(
      "store.key-permissions",
      `${path} can be read by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, "0")}); ` +
        `run \`chmod 600 ${path}\`, and rotate the key if others may have read it`,
      { file: path },
    );
  }
  const text = await readRegularFile(path, {
    code: "store.key-file",
    expected: `the store's key file (${SECRET_KEY_BYTES} bytes in base64)`,
    maxBytes: MAX_KEY_FILE_BYTES,
    optional: true,
  });
  return text === undefined ? undefined : deriveSecretKey(decodeKey(text, path, { file: path }));
}

/** Rejects non-canonical base64 (stray characters Node would silently skip). */
function sameEncoding(raw: Buffer, text: string): boolean {
  const unpadded = text.replace(/=+$/, "");
  return raw.toString("base64").replace(/=+$/, "") === unpadded || raw.toString("base64url") === unpadded;
}

/** Whether a file exists; errors other than "not found" are thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
