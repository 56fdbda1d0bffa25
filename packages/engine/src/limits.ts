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

/** Largest flow text accepted, in UTF-8 bytes (`flow.too-large`). Apps may change it: `createEngine({ limits })`. */
export const MAX_FLOW_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Deepest nesting of arrays and objects in a flow, the top-level object counting as 1
 * (`flow.too-deep`). Fixed: it keeps every walk over flow values far from the call-stack limit,
 * and matches the depth the redactor copies.
 */
export const MAX_FLOW_DEPTH = 64;

/** Most nodes in one flow (`flow.too-many-nodes`). Apps may change it: `createEngine({ limits })`. */
export const MAX_FLOW_NODES = 10_000;

/** Problems listed for one flow; past it, a last issue (`flow.more-issues`) counts the rest. */
export const MAX_LISTED_ISSUES = 100;

/** Longest message of one validation issue; longer ones are cut, with their length. */
export const MAX_ISSUE_MESSAGE_LENGTH = 1_000;

/** The flow limits an app may change, per engine. */
export interface FlowLimits {
  /** Largest flow text, in UTF-8 bytes. Default `MAX_FLOW_FILE_BYTES`. */
  maxFlowFileBytes: number;
  /** Most nodes in one flow. Default `MAX_FLOW_NODES`. */
  maxFlowNodes: number;
}

/** The flow limits of an engine made without `limits`. */
export const DEFAULT_FLOW_LIMITS: Readonly<FlowLimits> = Object.freeze({
  maxFlowFileBytes: MAX_FLOW_FILE_BYTES,
  maxFlowNodes: MAX_FLOW_NODES,
});

// ── Service responses and deadlines (run/, nodes) ────────────────────────────────────────────

// ── Results, events and traces (run/, cli) ───────────────────────────────────────────────────

// ── Files the CLI and the store read ─────────────────────────────────────────────────────────
