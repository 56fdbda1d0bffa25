/**
 * The forms a secret takes in text that leaves a run. Services echo keys not only as written but
 * URL-encoded (a quoted request URL), base64-encoded (a quoted `Authorization: Basic` header, a
 * token that embeds the key) and hex-encoded (a dump of the request). They are computed once per
 * secret; the redactor matches them all with one regular expression.
 *
 * Only plain strings, no character classes: a regular expression made of literal alternatives
 * compiles many times faster, and a run that meets a new key compiles one.
 */

/** Forms of secrets seen recently: a process runs many runs with the same few keys. */
const cache = new Map<string, readonly string[]>();
const CACHE_CAPACITY = 256;

/**
 * Every form of `secret`: as written; URL-encoded with upper- and lower-case escapes; hex in
 * lower and upper case; base64 and base64url at each of the three alignments it can have inside
 * a longer encoded text. Without duplicates.
 */
export function secretForms(secret: string): readonly string[] {
  const known = cache.get(secret);
  if (known) return known;
  const forms = computeForms(secret);
  if (cache.size >= CACHE_CAPACITY) cache.delete(cache.keys().next().value as string);
  cache.set(secret, forms);
  return forms;
}

function computeForms(secret: string): readonly string[] {
  const bytes = Buffer.from(secret, "utf8");
  const hex = bytes.toString("hex");
  const forms = new Set<string>([secret, hex, hex.toUpperCase()]);
  const encoded = encodeUriComponentSafely(secret);
  if (encoded !== undefined && encoded !== secret) {
    forms.add(encoded);
    forms.add(encoded.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()));
  }
  for (const core of base64Cores(bytes)) {
    forms.add(core);
    if (/[+/]/.test(core)) forms.add(core.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return Object.freeze([...forms]);
}

/**
 * Inside a longer base64 text the secret starts at one of three byte alignments; the characters
 * at its edges also encode the neighbouring bytes. So, for each alignment, the base64 of the
 * secret's whole 3-byte groups from that offset: one of them is in any base64 text holding it.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const groups = Math.floor((bytes.length - shift) / 3);
    if (groups >= 2) cores.push(bytes.subarray(shift, shift + groups * 3).toString("base64"));
  }
  return cores;
}

function encodeUriComponentSafely(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate cannot be encoded, so no service can have sent it that way either.
    return undefined;
  }
}
