/**
 * Every size Weft accepts from a flow, a row, a user or a service has a named limit here. Passing
 * one ends in a clear error (or, for text that is only echoed, a cut with the original length), never
 * a crash. The README's "Limits" table lists the same names and values.
 */

/** Echoing user text in messages: a prefix of this many characters, then the length. */
export const MAX_ECHOED_STRING_LENGTH = 80;

/** Names listed in a "did you mean" suggestion. */
export const MAX_SUGGESTED_NAMES = 3;

// ── Flow files (flow/, graph/) ───────────────────────────────────────────────────────────────

// ── Service responses and deadlines (run/, nodes) ────────────────────────────────────────────

// ── Results, events and traces (run/, cli) ───────────────────────────────────────────────────

// ── Files the CLI and the store read ─────────────────────────────────────────────────────────

/** A flow file's size: checked before it is read, so a huge file is refused, not loaded. */
export const MAX_FLOW_FILE_BYTES = 10 * 1024 * 1024;

/** A `--inputs-file` of input values (large documents for a prompt fit; a stray dump does not). */
export const MAX_INPUTS_FILE_BYTES = 16 * 1024 * 1024;

/** The connection store's `connections.json`, and a connections file given to `weft connection import`. */
export const MAX_STORE_FILE_BYTES = 16 * 1024 * 1024;

/** A key file (`secret.key`): 44 characters of base64 and a newline, with room for stray whitespace. */
export const MAX_KEY_FILE_BYTES = 1024;
