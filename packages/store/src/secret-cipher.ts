import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/**
 * Authenticated encryption of the store's secret values, and the integrity code of each stored
 * connection. Values are AES-256-GCM with a fresh 12-byte nonce each; the connection's name and
 * the field's path are the additional authenticated data, so a value cannot be moved to another
 * field or connection. Every sealed string names its format version and its key's id, so a
 * store can say which key it needs and keys can be rotated.
 *
 * Sealed value: `weft:v1:<keyId>:<nonce>:<ciphertext+tag>` (base64url parts).
 * Record code:  `weft:v1:<keyId>:<HMAC-SHA256>` (base64url).
 */

const VERSION = "v1";
const PREFIX = `weft:${VERSION}:`;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Length of a raw key: AES-256. */
export const SECRET_KEY_BYTES = 32;

/** A store key, with the two subkeys derived from it (one per purpose) and its short id. */
export interface SecretKey {
  /** A short, non-secret fingerprint of the key, written next to everything it sealed. */
  readonly id: string;
  readonly encryptionKey: Buffer;
  readonly macKey: Buffer;
}

/** Why a sealed string could not be opened. */
export type UnsealFailure =
  /** Not a string in our format (or a format version this code does not know). */
  | { reason: "malformed" }
  /** Sealed with another key, whose id is given. */
  | { reason: "other-key"; keyId: string }
  /** The right key, but the authentication check failed: the data was changed. */
  | { reason: "forged" };

/** Raised by `openValue` and `checkRecordCode`; the store turns it into a `FlowError`. */
export class UnsealError extends Error {
  constructor(readonly failure: UnsealFailure) {
    super(`cannot open sealed data: ${failure.reason}`);
  }
}

/** The short id of a raw key: 8 base64url characters of a domain-separated SHA-256. */
export function keyIdOf(raw: Uint8Array): string {
  return createHash("sha256")
    .update("weft key id v1\0")
    .update(raw)
    .digest()
    .subarray(0, 6)
    .toString("base64url");
}

/** Derives the encryption and integrity subkeys from a 32-byte raw key. */
export function deriveSecretKey(raw: Uint8Array): SecretKey {
  if (raw.length !== SECRET_KEY_BYTES) throw new RangeError(`expected a ${SECRET_KEY_BYTES}-byte key`);
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", raw, Buffer.alloc(0), info, 32));
  return {
    id: keyIdOf(raw),
    encryptionKey: derive("weft connection values v1"),
    macKey: derive("weft connection records v1"),
  };
}

/** Encrypts one value; `context` (connection name, field path) is bound to it. */
export function sealValue(key: SecretKey, plaintext: string, context: readonly string[]): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.encryptionKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(key.id, context));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${key.id}:${nonce.toString("base64url")}:${body.toString("base64url")}`;
}

/** Decrypts a value sealed by `sealValue` with the same key and context, or throws `UnsealError`. */
export function openValue(key: SecretKey, sealed: string, context: readonly string[]): string {
  const parts = sealed.split(":");
  const [scheme, version, keyId, nonceText, bodyText] = parts;
  if (parts.length !== 5 || scheme !== "weft" || version !== VERSION || !keyId || !nonceText || !bodyText) {
    throw new UnsealError({ reason: "malformed" });
  }
  if (keyId !== key.id) throw new UnsealError({ reason: "other-key", keyId });
  const nonce = Buffer.from(nonceText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new UnsealError({ reason: "forged" });
  const decipher = createDecipheriv("aes-256-gcm", key.encryptionKey, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(key.id, context));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new UnsealError({ reason: "forged" });
  }
}

/** The integrity code of a stored record: an HMAC over its canonical JSON and its name. */
export function recordCode(key: SecretKey, name: string, record: unknown): string {
  return `${PREFIX}${key.id}:${hmac(key, name, record).toString("base64url")}`;
}

/** Throws `UnsealError` unless `code` is the integrity code of this record under this key. */
export function checkRecordCode(key: SecretKey, code: string, name: string, record: unknown): void {
  const parts = code.split(":");
  const [scheme, version, keyId, macText] = parts;
  if (parts.length !== 4 || scheme !== "weft" || version !== VERSION || !keyId || !macText) {
    throw new UnsealError({ reason: "malformed" });
  }
  if (keyId !== key.id) throw new UnsealError({ reason: "other-key", keyId });
  const expected = hmac(key, name, record);
  const actual = Buffer.from(macText, "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new UnsealError({ reason: "forged" });
  }
}

function hmac(key: SecretKey, name: string, record: unknown): Buffer {
  return createHmac("sha256", key.macKey)
    .update(canonicalJson(["weft record v1", name, record]))
    .digest();
}

function additionalData(keyId: string, context: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify(["weft value v1", keyId, ...context]), "utf8");
}

/** JSON with object keys sorted at every level, so equal data always gives equal bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, entry]) => `${JSON.stringify(name)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
