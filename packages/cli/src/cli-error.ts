import { type ErrorKind, errorKindOf, FlowError, type RunStatus } from "@weft/engine";

/** Exit codes: 0 success, 1 the run failed, 2 the flow or the command line is invalid, 130 Ctrl-C. */
export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_INVALID = 2;
/** The run was cancelled by Ctrl-C (SIGINT): 128 + 2, as shells report a process SIGINT ended. */
export const EXIT_INTERRUPTED = 130;

/**
 * The one place error kinds become exit codes, for an error thrown before or instead of a run: what
 * the user gave is invalid (exit 2); a service or Weft itself failed (exit 1). Once a run has
 * started, its result decides (`exitCodeForRun`), whatever the kind of the error that failed it.
 */
const EXIT_CODE_OF_KIND: Record<ErrorKind, number> = {
  user: EXIT_INVALID,
  service: EXIT_RUN_FAILED,
  internal: EXIT_RUN_FAILED,
};

/** The exit code for an error a command threw. */
export function exitCodeFor(error: unknown): number {
  return EXIT_CODE_OF_KIND[errorKindOf(error)];
}

/** The exit code of a run that ended: 0 succeeded, 130 cancelled by Ctrl-C, 1 otherwise. */
export function exitCodeForRun(status: RunStatus, interrupted: boolean): number {
  if (status === "succeeded") return EXIT_OK;
  return interrupted && status === "cancelled" ? EXIT_INTERRUPTED : EXIT_RUN_FAILED;
}

/** A command-line usage error (exit 2). */
export function usageError(message: string): FlowError {
  return new FlowError("cli.usage", message);
}
