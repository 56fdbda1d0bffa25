import {
  type ConnectionTestResult,
  cutText,
  FlowError,
  MAX_ERROR_MESSAGE_LENGTH,
  type Redactor,
} from "@weft/engine";

/** How a connection test ran: its deadline, the caller's signal, and what scrubs the service's words. */
export interface ConnectionTestRun {
  timeoutMs: number;
  /** The test's own deadline (`AbortSignal.timeout(timeoutMs)`). */
  timeout: AbortSignal;
  signal?: AbortSignal;
  /** Knows the connection's secrets: outside a run nothing else scrubs what a service says. */
  redactor: Redactor;
}

/**
 * What `weft connection test` reports when the test's request failed: `unreachable` when the
 * deadline passed or the network failed, `auth-failed` when the key was refused, else `failed`, with
 * the service's status and its message scrubbed, then cut. An error that is not a `FlowError` is a
 * bug, and is thrown again.
 */
export function failedConnectionTest(
  error: unknown,
  report: Pick<ConnectionTestResult, "kind" | "host" | "model">,
  run: ConnectionTestRun,
): ConnectionTestResult {
  if (run.timeout.aborted && !run.signal?.aborted) {
    return {
      outcome: "unreachable",
      ...report,
      message: `${report.host} did not answer within ${run.timeoutMs} ms`,
    };
  }
  if (!(error instanceof FlowError)) throw error;
  const outcome =
    error.code === "llm.auth"
      ? "auth-failed"
      : error.code === "llm.network" || error.code === "llm.timeout"
        ? "unreachable"
        : "failed";
  return {
    outcome,
    ...report,
    ...(error.status === undefined ? {} : { status: error.status }),
    // Scrubbed, then cut: a service's error text can be as long as the response limit.
    message: cutText(run.redactor.redactText(error.message), MAX_ERROR_MESSAGE_LENGTH),
  };
}
