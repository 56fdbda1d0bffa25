/**
 * Who can act on an error:
 * - `user`: what was given is wrong (the flow, its inputs, a connection, the store, the command
 *   line, a node type's registration) and the message says what to change. Running again as is
 *   fails the same way.
 * - `service`: something the run depends on failed or refused (an LLM service, the network, a
 *   deadline, a file that could not be written, a store another process holds). The same request
 *   may succeed later.
 * - `internal`: a bug, in Weft or in a node type (something threw that is not a `FlowError`, a
 *   node type returned an output its own schema refuses).
 */
export type ErrorKind = "user" | "service" | "internal";

/**
 * Every error code Weft uses, with its kind. A code is stable: apps and scripts match on it. A
 * new code is added here first; `FlowError` accepts no other.
 */
export const ERROR_CODES = {
  // The command line.
  "cli.usage": "user",
  /** A plug-in module that cannot be loaded, or does not export node types and connection kinds. */
  "cli.plugin": "user",
  /** A `weft.config.{js,mjs}` that cannot be loaded or says something weft does not know. */
  "cli.config": "user",

  // A flow file and what validation finds in it (`ValidationIssue.code`).
  "flow.file": "user",
  "flow.invalid": "user",
  "flow.too-large": "user",
  "flow.json": "user",
  "flow.schema": "user",
  "flow.too-many-nodes": "user",
  "flow.too-deep": "user",
  "flow.more-issues": "user",
  "flow.reserved-name": "user",
  "flow.duplicate-node-id": "user",
  "flow.unknown-node-type": "user",
  "flow.variable-name": "user",
  "flow.variable-two-writers": "user",
  "flow.input-default": "user",
  "flow.unknown-input": "user",
  "flow.unknown-variable": "user",
  "flow.unknown-node": "user",
  "flow.unknown-output-field": "user",
  "flow.reference": "user",
  "flow.dynamic-connection": "user",
  /** A `when` comparison whose `value` holds no reference. */
  "flow.when": "user",
  "flow.cycle": "user",
  "flow.connection-missing": "user",
  "flow.connection-unused": "user",
  "flow.invalid-input": "user",
  "flow.unknown-node-input": "user",
  "flow.missing-input": "user",

  // The inputs a run is given.
  "input.invalid": "user",

  // A prices file (`weft run --prices`, `createEngine({ prices })`).
  "prices.invalid": "user",

  // Connections, static (by name) or dynamic (built in the flow).
  "connection.invalid": "user",
  "connection.unknown": "user",
  "connection.missing": "user",
  "connection.endpoint": "user",
  "connection.env-missing": "user",
  "connection.exists": "user",

  // The local encrypted store and its key.
  "store.file": "user",
  "store.corrupt": "user",
  "store.tampered": "user",
  "store.wrong-key": "user",
  "store.key-file": "user",
  "store.key-invalid": "user",
  "store.key-missing": "user",
  "store.key-permissions": "user",
  "store.key-conflict": "user",
  "store.key-rotation": "user",
  /** Another process holds the store: a failure of the moment, not of what was given. */
  "store.locked": "service",

  // Building an engine.
  "engine.duplicate-node-type": "user",
  "engine.duplicate-connection-kind": "user",

  // A node while it runs.
  "node.input": "user",
  "node.type": "user",
  "node.output-too-large": "user",
  "node.timeout": "service",
  "node.output": "internal",
  /** Anything a node threw that is not a `FlowError`. */
  "node.error": "internal",

  // A run as a whole. Cancelling is asked for (Ctrl-C, an app's signal, a failed node), not a fault.
  "run.cancelled": "user",
  "run.aborted": "user",
  "run.timeout": "service",

  // Calls to LLM services.
  "llm.auth": "service",
  "llm.quota": "service",
  "llm.rate-limited": "service",
  "llm.server": "service",
  "llm.request": "service",
  "llm.network": "service",
  "llm.timeout": "service",
  "llm.response": "service",
  "llm.response-too-large": "service",
  "llm.stream": "service",
  "llm.error": "service",

  /** Limits shared by several processes (`SharedConnectionLimits`) that could not be checked. */
  "limits.unavailable": "service",

  // Writing a run's trace file.
  "trace.write": "service",

  // Batch runs over rows of data (`engine.batch`, `weft batch`).
  /** One row that cannot be run: not an object, too deep, too many columns, not valid JSON. */
  "batch.row": "user",
  /** A data file that cannot be read as rows (CSV structure, a missing file, a bad header). */
  "batch.data": "user",
  /** A results file that exists without `--resume`, or that holds a line no batch wrote. */
  "batch.output": "user",
  /** A results file that could not be written (disk full, permissions). */
  "batch.write": "service",

  // Batches across worker processes on Redis (`@weft/queue`, `weft batch --queue`, `weft worker`).
  /** A queue setting that cannot be used: a Redis URL, a missing or malformed `WEFT_SECRET_KEY`, a batch id. */
  "queue.config": "user",
  /** Redis could not be reached, or answered with an error. */
  "queue.unreachable": "service",
  /** A row's job failed in the queue: its worker stopped too often (killed, crashed), or it could not be opened. */
  "queue.row": "service",

  /** An error that is not a `FlowError`, as the CLI reports it under `--json`. */
  internal: "internal",
} as const satisfies Record<string, ErrorKind>;

/** A stable error code, e.g. `flow.invalid`, `node.timeout`, `connection.unknown`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of validation issues: every `flow.*` code. */
export type FlowIssueCode = Extract<ErrorCode, `flow.${string}`>;

/**
 * The kind of a code. A code that is not listed (from JavaScript, which no type check stops) is
 * `internal`: something made it that should not have.
 */
export function errorKind(code: string): ErrorKind {
  return isErrorCode(code) ? ERROR_CODES[code] : "internal";
}

/** Whether `code` is one of `ERROR_CODES`. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** Whether `code` is a validation issue's code (`flow.*`). */
export function isFlowIssueCode(code: string): code is FlowIssueCode {
  return isErrorCode(code) && code.startsWith("flow.");
}
