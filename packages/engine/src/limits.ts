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
