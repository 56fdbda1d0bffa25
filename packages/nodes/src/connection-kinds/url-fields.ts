import { hasUrlCredentialParameter, hasUrlUserinfo } from "@weft/engine";

/** Checks shared by kinds whose fields hold URLs. */

/**
 * What is wrong with a URL field that carries a credential — `user:password@` or a key in its
 * query (`?api-key=…`), well-formed URL or not — or undefined. The store keeps URLs as plain
 * text and prints them, so a key belongs in the secret field; the URL itself is never quoted.
 */
export function credentialProblem(text: string): string | undefined {
  if (hasUrlUserinfo(text))
    return "expected a URL without credentials (user:password@); keys belong in apiKey";
  if (hasUrlCredentialParameter(text))
    return "expected a URL without a key in its query (?api-key=…); keys belong in apiKey";
  return undefined;
}

/** The host of a URL, or `unknown` for text that is not one. */
export function hostOf(url: string): string {
  // Every request of a run labels its connection, and runs reuse a few endpoints: parse each once.
  let host = hosts.get(url);
  if (host === undefined) {
    try {
      host = new URL(url).host;
    } catch {
      host = "unknown";
    }
    if (hosts.size >= HOSTS_CAPACITY) hosts.delete(hosts.keys().next().value as string);
    hosts.set(url, host);
  }
  return host;
}

const HOSTS_CAPACITY = 256;
const hosts = new Map<string, string>();
