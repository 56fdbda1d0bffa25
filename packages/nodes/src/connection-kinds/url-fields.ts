/** Checks shared by kinds whose fields hold URLs. */

/** Whether a URL carries `user:password@`, which would be stored and printed in clear. */
export function hasCredentials(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username !== "" || url.password !== "";
  } catch {
    return false;
  }
}

/** What a URL field with credentials is told (the URL itself is never quoted: it holds a password). */
export const NO_CREDENTIALS = "expected a URL without credentials (user:password@); keys belong in apiKey";

/** The host of a URL, or `unknown` for text that is not one. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "unknown";
  }
}
