import { type ErrorCode, type ErrorKind, errorKind } from "./codes.js";

/**
 * Errors a user can act on. Every user-facing failure is a `FlowError` with a stable `code`,
 * the place it concerns (a JSON path, a node id, a file) and what was expected.
 */

/** A plain, serialisable description of an error, as it appears in run results and events. */
export interface ErrorInfo {
  /** Stable machine-readable code, e.g. `flow.invalid`, `node.timeout`, `connection.missing`. */
  code: ErrorCode;
  /** Human-readable message; never contains a secret. */
  message: string;
  /** The node the error concerns, when there is one. */
  nodeId?: string;
  /** HTTP status of an upstream service, when the error came from one. */
  status?: number;
}

/** Where an error happened, for messages such as `flow.json:12:5 nodes[2].inputs.endpoint`. */
export interface ErrorLocation {
  /** The file the error concerns. */
  file?: string;
  /** JSON path inside the flow, such as `nodes[2].inputs.endpoint`. */
  path?: string;
  /** The node the error concerns. */
  nodeId?: string;
}

/**
 * Marks every `FlowError`, whichever copy of `@weft/engine` made it: a plug-in's node throws the
 * `FlowError` of the `@weft/engine` it imports, and the `weft` command (which carries its own copy)
 * must still see its code, kind and `retryable`. `Symbol.for` gives both copies the same symbol.
 */
const FLOW_ERROR_BRAND: unique symbol = Symbol.for("weft.flow-error") as never;

/** An error with a stable `code` (one of `ERROR_CODES`) and the place it concerns. */
export class FlowError extends Error {
  override name = "FlowError";
  /** Stable machine-readable code, one of `ERROR_CODES`. */
  readonly code: ErrorCode;
  /** The node the error concerns, if one. */
  readonly nodeId: string | undefined;
  /** JSON path inside the flow, such as `nodes[2].inputs.endpoint`, if the error concerns one. */
  readonly path: string | undefined;
  /** The file the error concerns, if one. */
  readonly file: string | undefined;
  /** HTTP status of an upstream service, when the error came from one. */
  readonly status: number | undefined;
  /** Whether a retry of the same operation may succeed (rate limits, 5xx, network). */
  readonly retryable: boolean;
  /** How long the service asked us to wait before retrying, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: ErrorLocation & {
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.nodeId = options.nodeId;
    this.path = options.path;
    this.file = options.file;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Who can act on it: the user, a service (later), or nobody but a fix (`internal`). */
  get kind(): ErrorKind {
    return errorKind(this.code);
  }

  /** The brand, on the prototype: not an own property, so nothing prints or copies it. */
  get [FLOW_ERROR_BRAND](): true {
    return true;
  }
}

/**
 * `error instanceof FlowError` holds for a `FlowError` of any copy of `@weft/engine`; subclasses
 * (`FlowValidationError`) keep the ordinary check, through the prototype chain.
 */
Object.defineProperty(FlowError, Symbol.hasInstance, {
  value(this: unknown, value: unknown): boolean {
    if (this !== FlowError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value instanceof Error && (value as { [FLOW_ERROR_BRAND]?: unknown })[FLOW_ERROR_BRAND] === true;
  },
});

/** The kind of anything thrown: a `FlowError`'s own, `internal` for anything else. */
export function errorKindOf(error: unknown): ErrorKind {
  return error instanceof FlowError ? error.kind : "internal";
}

/** Converts anything thrown into a plain `ErrorInfo`. Unknown errors keep only their message. */
export function toErrorInfo(error: unknown, nodeId?: string): ErrorInfo {
  const info: ErrorInfo =
    error instanceof FlowError
      ? { code: error.code, message: error.message }
      : error instanceof Error
        ? { code: "node.error", message: error.message || error.name }
        : { code: "node.error", message: String(error) };
  const id = nodeId ?? (error instanceof FlowError ? error.nodeId : undefined);
  if (id !== undefined) info.nodeId = id;
  if (error instanceof FlowError && error.status !== undefined) info.status = error.status;
  return info;
}

/** Formats `expected X, got Y` values for messages: short, quoted, never a secret's value. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return JSON.stringify(value);
  }
  return typeof value === "object" ? "an object" : typeof value;
}
