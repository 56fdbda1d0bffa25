import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthScheme, KeySet } from "./types.js";

/**
 * A short, stable, non-reversible label for a key: `sha256:` + the first 12 hex digits of its SHA-256.
 * Tests compare it with `RequestLogEntry.keyFingerprint` without the key ever being stored.
 */
export function fingerprintKey(key: string): string {
  return "sha256:" + createHash("sha256").update(key, "utf8").digest("hex").slice(0, 12);
}

/** The outcome of checking a request's key. The key itself is kept only for rule matching. */
export interface AuthResult {
  /** Which headers carried a key. */
  scheme: AuthScheme;
  /** Whether the request may proceed. */
  accepted: boolean;
  /** Why it may not: no key at all, or a key that is not accepted. */
  failure?: "missing" | "invalid";
  /** The key presented (`api-key` wins when both headers are sent). Never log it. */
  key?: string;
  /** The key's name, when the key set is a record and the key is in it. */
  keyName?: string;
  /** `fingerprintKey(key)`. */
  keyFingerprint?: string;
}

/**
 * Reads `api-key` and `Authorization: Bearer` (`ModelClient` sends both) and checks the key against
 * `keys`; with no key set, any non-empty key is accepted.
 */
export function authenticate(headers: IncomingHttpHeaders, keys: KeySet | undefined): AuthResult {
  const apiKey = firstHeader(headers["api-key"])?.trim() || undefined;
  const bearer = parseBearer(firstHeader(headers.authorization));
  const scheme: AuthScheme =
    apiKey !== undefined && bearer !== undefined
      ? "both"
      : apiKey !== undefined
        ? "api-key"
        : bearer !== undefined
          ? "bearer"
          : "none";
  return checkKey(scheme, apiKey ?? bearer, keys);
}

/**
 * Reads `Ocp-Apim-Subscription-Key`, the one key header Azure AI services such as Content Safety
 * take, and checks the key as `authenticate` does.
 */
export function authenticateSubscriptionKey(
  headers: IncomingHttpHeaders,
  keys: KeySet | undefined,
): AuthResult {
  const key = firstHeader(headers["ocp-apim-subscription-key"])?.trim() || undefined;
  return checkKey(key === undefined ? "none" : "subscription-key", key, keys);
}

/** Checks a key however it was sent (a header, SerpAPI's `api_key` query parameter) against `keys`. */
export function checkKey(scheme: AuthScheme, key: string | undefined, keys: KeySet | undefined): AuthResult {
  if (key === undefined) return { scheme, accepted: false, failure: "missing" };

  const keyFingerprint = fingerprintKey(key);
  if (keys === undefined) return { scheme, accepted: true, key, keyFingerprint };

  const entries: Array<[name: string | undefined, accepted: string]> = Array.isArray(keys)
    ? keys.map((accepted) => [undefined, accepted])
    : Object.entries(keys);
  const found = entries.find(([, accepted]) => sameSecret(accepted, key));
  if (found === undefined) return { scheme, accepted: false, failure: "invalid", key, keyFingerprint };
  const [keyName] = found;
  return keyName === undefined
    ? { scheme, accepted: true, key, keyFingerprint }
    : { scheme, accepted: true, key, keyName, keyFingerprint };
}

/** The label a key is counted under in the statistics: its name, else its fingerprint. */
export function keyLabel(auth: Pick<AuthResult, "keyName" | "keyFingerprint">): string | undefined {
  return auth.keyName ?? auth.keyFingerprint;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseBearer(value: string | undefined): string | undefined {
  const match = value === undefined ? null : /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1]?.trim() || undefined;
}

function sameSecret(expected: string, actual: string): boolean {
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(actual).digest();
  return timingSafeEqual(a, b);
}
