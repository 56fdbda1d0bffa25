import { FlowError } from "@weft/engine";

/** Exit codes: 0 success, 1 the run failed, 2 the flow or the command line is invalid, 130 Ctrl-C. */
export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_INVALID = 2;
/** The run was cancelled by Ctrl-C (SIGINT): 128 + 2, as shells report a process SIGINT ended. */
export const EXIT_INTERRUPTED = 130;

/** Error codes that mean "what you gave me is invalid" (exit 2) rather than "the run failed" (exit 1). */
const INVALID_PREFIXES = ["flow.", "input.", "cli.", "connection.", "store."];
/** Codes under those prefixes that are failures of the moment, not of what was given. */
const NOT_INVALID = new Set(["store.locked"]);

/** The exit code for an error a command threw. */
export function exitCodeFor(error: unknown): number {
  if (
    error instanceof FlowError &&
    !NOT_INVALID.has(error.code) &&
    INVALID_PREFIXES.some((prefix) => error.code.startsWith(prefix))
  ) {
    return EXIT_INVALID;
  }
  return EXIT_RUN_FAILED;
}

/** A command-line usage error (exit 2). */
export function usageError(message: string): FlowError {
  return new FlowError("cli.usage", message);
}
