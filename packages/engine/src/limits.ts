/**
 * Every size Weft accepts from a flow, a row, a user or a service has a named limit here. Passing
 * one ends in a clear error (or, for text that is only echoed, a cut with the original length), never
 * a crash. The README's "Limits" table lists the same names and values.
 */

/** Echoing user text in messages: a prefix of this many characters, then the length. */
export const MAX_ECHOED_STRING_LENGTH = 80;

/**
 * A value shown in a skip reason (what a `when` comparison expected, and what the value was):
 * written out as JSON up to this many characters, then `…`.
 */
export const MAX_DESCRIBED_VALUE_LENGTH = 160;

/** Names listed in a "did you mean" suggestion. */
export const MAX_SUGGESTED_NAMES = 3;

/**
 * Known names listed whole when a name is unknown (`expected one of a, b, c, …`): up to this many
 * (the built-in node types fit); past it, only the closest ones as "did you mean".
 */
export const MAX_LISTED_NAMES = 12;

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

/**
 * How long one service request may take, from the moment it holds its connection slot until its
 * answer is read: `requestTimeoutMs`. Passing it fails the attempt with `node.timeout` (retryable:
 * the node's retry policy decides what follows). Apps set `requestTimeoutMs` in the engine's or the
 * run's options, flows on a node; the shortest given wins.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/**
 * How long a whole run may take: `runTimeoutMs`. Passing it fails the run with `run.timeout` and
 * cancels what still runs. Apps set `runTimeoutMs` in the engine's or the run's options, flows set
 * `timeoutMs` at the top of the file; the shortest given wins.
 */
export const DEFAULT_RUN_TIMEOUT_MS = 600_000;

/**
 * Most bytes read from one service response, success or error body alike (after decompression):
 * `maxResponseBytes`. Past it the node stops reading, closes the connection and fails with
 * `llm.response-too-large` (not retried). Apps change it in the engine's options.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

// ── Results, events and traces (run/, cli) ───────────────────────────────────────────────────

/**
 * Most characters of a node's output written as JSON (strings, keys and punctuation, about):
 * `maxOutputLength`. A larger output fails the node with `node.output-too-large`. Apps change it
 * in the engine's options.
 */
export const DEFAULT_MAX_OUTPUT_LENGTH = 16 * 1024 * 1024;

/**
 * Most characters of an error message in results and events. Longer messages (a service's error
 * body, say) are scrubbed of secrets first, then cut, ending with the original length.
 */
export const MAX_ERROR_MESSAGE_LENGTH = 1_000;

/**
 * Most characters of one JSON document the CLI writes: the result of `weft run --json`, the outputs
 * of `weft run`, the `run:end` line of a trace. Long strings are cut (fairly: the longest first) and
 * end with a marker giving their original length; see `stringifyBounded`.
 */
export const MAX_RESULT_JSON_LENGTH = 16 * 1024 * 1024;

/** Most characters of one other line of a `--trace` file (one event), cut the same way. */
export const MAX_TRACE_EVENT_LENGTH = 64 * 1024;

/**
 * Characters a `--trace` file holds at full size. Past them events are still written, each cut to
 * `MAX_TRACE_EVENT_LENGTH_PAST_BUDGET`, so the trace keeps every event and stays bounded.
 */
export const MAX_TRACE_LENGTH = 32 * 1024 * 1024;

/** Most characters of one trace line once the trace holds `MAX_TRACE_LENGTH`. */
export const MAX_TRACE_EVENT_LENGTH_PAST_BUDGET = 2 * 1024;

// ── Files the CLI and the store read ─────────────────────────────────────────────────────────

// A flow file's size: MAX_FLOW_FILE_BYTES above, checked by the CLI before it reads the file.

/** A `--inputs-file` of input values (large documents for a prompt fit; a stray dump does not). */
export const MAX_INPUTS_FILE_BYTES = 16 * 1024 * 1024;

/** A prices file (`--prices`, `prices` in weft.config), in bytes. */
export const MAX_PRICES_FILE_BYTES = 1024 * 1024;

/** Models and deployments priced in one prices file (`prices.invalid`). */
export const MAX_PRICED_MODELS = 10_000;

/** The connection store's `connections.json`, and a connections file given to `weft connection import`. */
export const MAX_STORE_FILE_BYTES = 16 * 1024 * 1024;

/** A key file (`secret.key`): 44 characters of base64 and a newline, with room for stray whitespace. */
export const MAX_KEY_FILE_BYTES = 1024;

// ── Batch runs (batch/, cli) ─────────────────────────────────────────────────────────────────

/** Rows of a batch running at once unless `concurrency` says otherwise. */
export const DEFAULT_BATCH_CONCURRENCY = 8;

/**
 * Most rows of a batch running at once (`concurrency`). Each row in flight holds a run, and
 * finished results wait for the reader up to the same number: memory grows with it.
 */
export const MAX_BATCH_CONCURRENCY = 10_000;

/**
 * Rows of a batch that may wait on a throttled or limited connection (a back-off after a 429, a
 * full `requestsPerMinute` / `tokensPerMinute` window, a connection at its `maxConcurrency`) on top
 * of `concurrency`, unless `maxWaitingRows` says otherwise. A waiting row gives its slot to a row
 * of another connection; at most `concurrency + maxWaitingRows` rows are in flight.
 */
export const DEFAULT_BATCH_MAX_WAITING_ROWS = 1_000;

/**
 * Largest `maxWaitingRows`. Each waiting row holds its run (its inputs and node records, a few
 * kilobytes) until its connection lets it go on.
 */
export const MAX_BATCH_WAITING_ROWS = 100_000;

/** Most columns in one row (`batch.row`); a wider row is that row's error. */
export const MAX_BATCH_ROW_COLUMNS = 1_000;

/** Deepest nesting of arrays and objects in one row, the row itself counting as 1 (`batch.row`). */
export const MAX_BATCH_ROW_DEPTH = MAX_FLOW_DEPTH;

/**
 * Longest row of a data file, in UTF-8 bytes: a JSONL line past it is that row's error (`batch.row`,
 * the line is skipped without being held in memory); a CSV record past it stops the batch
 * (`batch.data`: the file's structure cannot be trusted past it).
 */
export const MAX_BATCH_ROW_BYTES = 1024 * 1024;

/** Most `--map` mappings (`map` entries) of one batch. */
export const MAX_BATCH_MAPPINGS = 1_000;

/** Rows the summary of a batch lists as the slowest. */
export const MAX_BATCH_SLOWEST_ROWS = 5;

/**
 * Most characters of one line of a batch's results file (its outputs, error and usage as JSON),
 * cut like `MAX_RESULT_JSON_LENGTH`. `--resume` reads lines up to this length back.
 */
export const MAX_BATCH_RESULT_LINE_LENGTH = 1024 * 1024;
