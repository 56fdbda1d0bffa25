/**
 * What `JSON.parse` said about a text, without the piece of the text V8 quotes in its message
 * (`Unexpected token 'k', "key=sk-abc"... is not valid JSON`). The text may be a service's answer or
 * a file of keys, and that piece is cut at both ends: a key in it could no longer be recognised
 * and masked.
 */
export function describeJsonError(message: string): string {
  return message.replace(/,\s*(?:\.\.\.)?"[\s\S]*"(?:\.\.\.)?\s+is not valid JSON$/, " (not valid JSON)");
}
