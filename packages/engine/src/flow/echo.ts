import { MAX_ECHOED_STRING_LENGTH } from "../limits.js";

/**
 * User text quoted in a message: `"text"`, or for text longer than `MAX_ECHOED_STRING_LENGTH`
 * its start and its length, `"abc…" (5000000 characters)`. A flow may hold megabytes in one
 * name; a message about it stays a line long.
 */
export function echo(value: string): string {
  if (value.length <= MAX_ECHOED_STRING_LENGTH) return JSON.stringify(value);
  return `${JSON.stringify(`${prefix(value)}…`)} (${value.length} characters)`;
}

/**
 * User text in a message without quotes (ids, `${...}` references, names in a list): the text, or
 * its start and its length, `abc… (5000000 characters)`.
 */
export function clip(value: string): string {
  if (value.length <= MAX_ECHOED_STRING_LENGTH) return value;
  return `${prefix(value)}… (${value.length} characters)`;
}

/** The first `max` characters, not ending inside a surrogate pair. */
function prefix(value: string, max = MAX_ECHOED_STRING_LENGTH): string {
  const end = isHighSurrogate(value.charCodeAt(max - 1)) ? max - 1 : max;
  return value.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
