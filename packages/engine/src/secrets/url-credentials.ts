import { SECRET_MASK } from "./secret.js";

/**
 * Credentials people put in URLs: `scheme://user:password@host` and query parameters that carry
 * keys (`?api-key=…`, `&sig=…`). Endpoints are echoed in messages, results, events and traces, and
 * an endpoint that fails to parse is echoed too — exactly when it is most likely malformed — so
 * these are found in text, never with `new URL()`.
 */

/**
 * Query (or fragment) parameters whose value is a credential, case-insensitive: API keys, Azure
 * subscription keys, Azure Functions `code`, SAS `sig`, OAuth tokens and secrets.
 */
const CREDENTIAL_PARAMETER_NAMES = [
  "(?:x-)?api[-_]?key",
  "key",
  "(?:ocp-apim-)?subscription[-_]?key",
  "code",
  "sig",
  "signature",
  "(?:access|id|refresh)[-_]?token",
  "token",
  "auth",
  "authorization",
  "password",
  "passwd",
  "pwd",
  "(?:client[-_]?)?secret",
];

/** Characters that end a URL in running text (and in JSON or shell quoting around it). */
const URL_END = "\\s\"'<>`\\\\";

/**
 * `scheme://`, then the longest run of URL characters (not reaching into a next `://`) that ends
 * in `@`: the candidate userinfo.
 */
const USERINFO = new RegExp(`([A-Za-z][A-Za-z0-9+.-]*://)((?:[^${URL_END}:]|:(?!//))*)@`, "g");

/**
 * A URL cut short (`...` or `…`) before its userinfo ended: `scheme://user:pass` with no `@`, `/`,
 * `?` or `#` yet. It may be `host:port` as well; masked all the same, since a password cut before
 * its `@` would otherwise be shown.
 */
const CUT_USERINFO = new RegExp(
  `([A-Za-z][A-Za-z0-9+.-]*://)([^${URL_END}/?#@:]*:[^${URL_END}/?#@]*?)(?=\\.\\.\\.|\u2026)`,
  "g",
);

/** `?name=value`, `&name=value`, `#name=value` or `;name=value` with a credential name. */
const CREDENTIAL_PARAMETER = new RegExp(
  `([?&#;](?:${CREDENTIAL_PARAMETER_NAMES.join("|")})=)([^&#;${URL_END}]+)`,
  "gi",
);

/**
 * Masks the userinfo of every URL in `text` (`https://***@host`) and the value of every query
 * parameter that carries a credential (`?api-key=***`), whether the URL is well-formed or not,
 * and a URL cut short (`...`, `…`) before its userinfo ended (`https://***…`). Text without any
 * of them is returned as it is.
 */
export function maskUrlCredentials(text: string): string {
  // Every shape needs one of these characters: most text is returned after a few fast scans.
  const at = text.includes("@");
  if (!at && !text.includes("=") && !text.includes("://")) return text;
  let out = at ? text.replace(USERINFO, maskUserinfo) : text;
  if (out.includes("=")) out = out.replace(CREDENTIAL_PARAMETER, maskParameter);
  if (out.includes(":") && (out.includes("...") || out.includes("\u2026"))) {
    out = out.replace(CUT_USERINFO, (_whole, scheme: string) => `${scheme}${SECRET_MASK}`);
  }
  return out;
}

/** Whether `text` holds a URL with a user name or password (`scheme://user:password@host`). */
export function hasUrlUserinfo(text: string): boolean {
  if (!text.includes("@")) return false;
  for (const match of text.matchAll(USERINFO)) {
    if (isUserinfo(match[2]!)) return true;
  }
  return false;
}

/** Whether `text` holds a query (or fragment) parameter that carries a key (`?api-key=…`). */
export function hasUrlCredentialParameter(text: string): boolean {
  if (!text.includes("=")) return false;
  CREDENTIAL_PARAMETER.lastIndex = 0;
  const found = CREDENTIAL_PARAMETER.test(text);
  CREDENTIAL_PARAMETER.lastIndex = 0;
  return found;
}

function maskUserinfo(whole: string, scheme: string, candidate: string): string {
  return isUserinfo(candidate) ? `${scheme}${SECRET_MASK}@` : whole;
}

function maskParameter(whole: string, name: string, value: string): string {
  return value === SECRET_MASK ? whole : `${name}${SECRET_MASK}`;
}

/**
 * Whether `candidate` (the text between `://` and the last `@` of a URL) is userinfo, rather than
 * a host and a path that holds `@` (`https://host/@me`). A password may hold `/`, `?` or `#`
 * unescaped, which no parser accepts: when the text before the first of them looks like userinfo
 * rather than `host` or `host:port`, the whole candidate is taken as userinfo — masking too much
 * of a malformed URL is better than showing part of a password.
 */
function isUserinfo(candidate: string): boolean {
  if (candidate === "" || candidate === SECRET_MASK) return false;
  const delimiter = candidate.search(/[/?#]/);
  if (delimiter === -1) return true;
  const head = candidate.slice(0, delimiter);
  if (head.includes("@")) return true;
  const colon = head.indexOf(":");
  return colon !== -1 && !/^\d*$/.test(head.slice(colon + 1));
}
