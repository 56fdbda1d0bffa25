import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { FlowError } from "@weft/engine";

/** The environment variable that holds the key shared by the producer and every worker. */
export const SECRET_KEY_VARIABLE = "WEFT_SECRET_KEY";

/** Sealed text starts with this: the format's version, so that a later format can be told apart. */
const SEALED_PREFIX = "w1.";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The 32-byte AES-256-GCM key from `WEFT_SECRET_KEY`: 64 hex digits, or base64 of 32 bytes
 * (`openssl rand -base64 32`). Missing or malformed: `queue.config`, saying what is expected and
 * never echoing the value.
 */
export function readSecretKey(text: string | undefined): Buffer {
  if (text === undefined || text.trim() === "") {
    throw new FlowError(
      "queue.config",
      `${SECRET_KEY_VARIABLE} is not set: the producer and the workers share one 32-byte key, as 64 hex digits or base64 (make one with: openssl rand -base64 32)`,
    );
  }
  const value = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, "hex")
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(value)
      ? Buffer.from(value, "base64")
      : undefined;
  if (key?.length !== 32) {
    throw new FlowError(
      "queue.config",
      `${SECRET_KEY_VARIABLE}: expected 32 bytes as 64 hex digits or base64 (44 characters), got ${value.length} characters that are not one of these`,
    );
  }
  return key;
}

/** Seals text with AES-256-GCM: `w1.` then base64 of a random 12-byte IV, the 16-byte tag and the ciphertext. */
export function seal(key: Buffer, text: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

/** Why sealed text could not be opened: a different key, or text that was changed or is not sealed. */
export class SealError extends Error {
  override readonly name = "SealError";
}

/** Opens what `seal` made; a `SealError` when the key differs or the text was changed. */
export function unseal(key: Buffer, sealed: unknown): string {
  if (typeof sealed !== "string" || !sealed.startsWith(SEALED_PREFIX))
    throw new SealError("expected sealed data (w1.…), got something else");
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), "base64");
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealError("the sealed data is cut short");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new SealError(
      `cannot open the sealed data: this worker's ${SECRET_KEY_VARIABLE} is not the producer's (or the data was changed)`,
    );
  }
}
