import { FlowError, FlowValidationError, type RunResult } from "@weft/engine";

/**
 * What every outcome of a flow must look like, whatever the flow: a validation error that says
 * where, or a run result whose failures carry a stable code; never an internal error, a throw from
 * `validate`, a hang or output out of proportion to the input. The bounds are named here and
 * described in test/fuzz/README.md.
 */

/**
 * Longest message one validation issue or one run error may have. Messages echo at most a prefix
 * of user text (then its length) and a few "did you mean" names: 4 KiB leaves room for several of
 * those, and is far below what echoing a whole string or every known name produces.
 */
export const MAX_MESSAGE_LENGTH = 4 * 1024;
/** Inputs up to this size are "small": their outputs must stay under the output bounds below. */
export const SMALL_INPUT_LENGTH = 64 * 1024;
/** Largest run result (as JSON) of a small flow, in characters. */
export const MAX_SMALL_RESULT_LENGTH = 1024 * 1024;
/** Largest stdout + stderr of one `weft` command on a small flow, in bytes. */
export const MAX_SMALL_CLI_OUTPUT_BYTES = 1024 * 1024;
/** A case that has not ended after this long is a hang. Nothing a generated flow does legitimately takes a second. */
export const CASE_TIMEOUT_MS = 20_000;

/** A broken property: the message says what was expected and what came instead. */
export class PropertyViolation extends Error {
  override name = "PropertyViolation";
}

const violation = (message: string) => new PropertyViolation(message);

/** Messages JS itself writes when code meets what it did not expect: signs of an unhandled case. */
const INTERNAL_MESSAGES = [
  /internal error/i,
  /Maximum call stack size exceeded/,
  /Invalid string length/,
  /Invalid array length/,
  /Cannot read propert(y|ies) of/,
  /Cannot set propert(y|ies) of/,
  /Cannot convert (undefined|null|object)/,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /JavaScript heap out of memory/,
];

/** The internal-error pattern a message matches, if any. */
export function internalPattern(message: string): RegExp | undefined {
  return INTERNAL_MESSAGES.find((pattern) => pattern.test(message));
}

/** Error codes are dotted lower-case words: `flow.schema`, `node.timeout`, `connection.unknown`. */
const CODE = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/;
/** Codes that mean "an exception nobody turned into a user error". */
const UNCODED = new Set(["internal", "node.error"]);

function excerpt(text: string, length = 300): string {
  return text.length > length
    ? `${JSON.stringify(text.slice(0, length))}…(${text.length} characters)`
    : JSON.stringify(text);
}

/** Checks one message: bounded, and not JS's own words for a crash. */
export function checkMessage(message: unknown, where: string): void {
  if (typeof message !== "string" || message === "")
    throw violation(`${where}: expected a message, got ${String(message)}`);
  const internal = internalPattern(message);
  if (internal) throw violation(`${where}: an internal error (${internal}): ${excerpt(message)}`);
  if (message.length > MAX_MESSAGE_LENGTH)
    throw violation(
      `${where}: a message of ${message.length} characters, over the bound of ${MAX_MESSAGE_LENGTH}: ${excerpt(message, 200)}`,
    );
}

function checkCode(code: unknown, where: string): void {
  if (typeof code !== "string" || !CODE.test(code))
    throw violation(`${where}: expected a dotted error code, got ${JSON.stringify(code)}`);
  if (UNCODED.has(code))
    throw violation(`${where}: code "${code}" (an exception nobody turned into a user error)`);
}

/**
 * Checks what `engine.validate` returned: an array of issues, each with a code, a message and a
 * place. `flow` is the flow as JSON.parse reads it (`undefined` when its text is not JSON): when it
 * is JSON but not an object, an issue may concern the whole document and need no path.
 */
/** Issues that concern the whole flow file or the whole list of issues, not one place in it. */
const WHOLE_FLOW_CODES = new Set(["flow.more-issues", "flow.too-large"]);

export function checkIssues(issues: unknown, where: string, flow: unknown): void {
  const wholeDocument =
    flow !== undefined && (flow === null || typeof flow !== "object" || Array.isArray(flow));
  if (!Array.isArray(issues)) throw violation(`${where}: expected an array of issues, got ${typeof issues}`);
  issues.forEach((issue: unknown, index) => {
    const at = `${where}: issue ${index}`;
    if (issue === null || typeof issue !== "object") throw violation(`${at}: expected an object`);
    const { code, message, path, nodeId, line } = issue as Record<string, unknown>;
    checkCode(code, at);
    checkMessage(message, at);
    const located =
      (typeof path === "string" && path !== "") ||
      typeof nodeId === "string" ||
      (typeof line === "number" && line >= 1);
    // Issues about the whole file (its size) or the whole list (the count of unlisted ones) have no one place.
    if (!located && !wholeDocument && !WHOLE_FLOW_CODES.has(String(code)))
      throw violation(`${at} (${String(code)}) says nothing of where: no path, node id or line`);
  });
}

/**
 * Checks what `engine.run` or `engine.compile` threw: an invalid flow (with its issues) or invalid
 * run inputs. Anything else is an internal error.
 */
export function checkRefusal(error: unknown, where: string, flow: unknown): void {
  if (error instanceof FlowValidationError) {
    if (error.issues.length === 0) throw violation(`${where}: a FlowValidationError without issues`);
    checkIssues(error.issues, where, flow);
    return;
  }
  if (error instanceof FlowError && error.code.startsWith("input.")) {
    checkMessage(error.message, `${where} (${error.code})`);
    return;
  }
  throw error;
}

/** What the flow says about its nodes, for checking a run's result. */
export interface RunExpectations {
  /** Every node id of the flow. */
  nodeIds: readonly string[];
  /** Ids of the nodes with `continueOnError: true`. */
  continueOnError: ReadonlySet<string>;
  /** The length of the flow's text: results of small flows must be small. */
  inputLength: number;
}

/** Reads node ids and `continueOnError` from a flow that compiled. */
export function expectationsOf(flow: unknown, inputLength: number): RunExpectations {
  const nodes = (flow as { nodes: Array<{ id: string; continueOnError?: unknown }> }).nodes;
  return {
    nodeIds: nodes.map((node) => node.id),
    continueOnError: new Set(nodes.filter((node) => node.continueOnError === true).map((node) => node.id)),
    inputLength,
  };
}

const NODE_STATUSES = new Set(["succeeded", "failed", "skipped", "cancelled"]);

/** Checks a run's result: a status, one entry per node, failures with codes, a bounded size. */
export function checkRunResult(result: RunResult, expected: RunExpectations, where: string): void {
  if (result.status !== "succeeded" && result.status !== "failed")
    throw violation(`${where}: run status ${JSON.stringify(result.status)}, expected succeeded or failed`);
  for (const id of expected.nodeIds) {
    const at = `${where}: node ${excerpt(id, 60)}`;
    if (!Object.hasOwn(result.nodes, id)) throw violation(`${at} has no entry of its own in result.nodes`);
    const node = result.nodes[id]!;
    if (!NODE_STATUSES.has(node.status)) throw violation(`${at}: status ${JSON.stringify(node.status)}`);
    if (node.status === "failed") {
      if (!node.error) throw violation(`${at} failed without an error`);
      checkCode(node.error.code, at);
      checkMessage(node.error.message, at);
      if (result.status === "succeeded" && !expected.continueOnError.has(id))
        throw violation(`${at} failed (${node.error.code}) without continueOnError, yet the run succeeded`);
    }
    if (node.status === "cancelled" && result.status === "succeeded")
      throw violation(`${at} was cancelled, yet the run succeeded`);
  }
  const ownIds = Object.keys(result.nodes);
  if (ownIds.length !== new Set(expected.nodeIds).size)
    throw violation(
      `${where}: result.nodes has ${ownIds.length} entries for ${expected.nodeIds.length} nodes`,
    );
  if (result.status === "failed") {
    if (!result.error) throw violation(`${where}: the run failed without an error`);
    checkCode(result.error.code, `${where}: run error`);
    checkMessage(result.error.message, `${where}: run error`);
  }
  let json: string;
  try {
    json = JSON.stringify(result);
  } catch (error) {
    throw violation(`${where}: the result cannot be written as JSON: ${(error as Error).message}`);
  }
  if (expected.inputLength <= SMALL_INPUT_LENGTH && json.length > MAX_SMALL_RESULT_LENGTH)
    throw violation(
      `${where}: a result of ${json.length} characters for a flow of ${expected.inputLength}, over the bound of ${MAX_SMALL_RESULT_LENGTH}`,
    );
}

/** Settles with the promise, or fails as a hang after `ms` (calling `onTimeout` first, to stop the work). */
export async function withDeadline<T>(
  promise: PromiseLike<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(violation(`${what} did not end within ${ms} ms (a hang)`));
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
