import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import {
  FlowError,
  MAX_RESULT_JSON_LENGTH,
  MAX_TRACE_EVENT_LENGTH,
  MAX_TRACE_EVENT_LENGTH_PAST_BUDGET,
  MAX_TRACE_LENGTH,
  RUN_EVENT_NAMES,
  type RunEvents,
  type RunHandle,
} from "@weft/engine";
import { usageError } from "../cli-error.js";
import { formatEventLine } from "./event-lines.js";

/**
 * A trace file: every event of a run as one JSON line (mode 0600). Lines are bounded: each event
 * at most `MAX_TRACE_EVENT_LENGTH` characters (`run:end`, which holds the result,
 * `MAX_RESULT_JSON_LENGTH`), and once the file holds `MAX_TRACE_LENGTH`, each further event
 * `MAX_TRACE_EVENT_LENGTH_PAST_BUDGET`. Long strings are cut with a marker giving their length.
 */
export interface TraceWriter {
  /** Writes every event of the run. Events are already redacted by the engine. */
  attach(handle: RunHandle): void;
  /** Flushes and closes the file; rejects with a `FlowError` if a write failed. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens the trace file before the run starts, so that a path that cannot be written is a
 * one-line usage error (exit 2) rather than a failure after the run, or a crash during it.
 */
export async function openTraceWriter(file: string): Promise<TraceWriter> {
  const fileHandle = await openPrivateFile(file);
  const stream = fileHandle.createWriteStream();
  let failure: unknown;
  stream.on("error", (error) => {
    failure ??= error;
  });
  const streamClosed = new Promise<void>((resolve) => stream.once("close", resolve));
  let closing: Promise<void> | undefined;
  let written = 0;
  return {
    attach(handle) {
      for (const name of RUN_EVENT_NAMES) {
        handle.on(name, (event: RunEvents[typeof name]) => {
          const maxLength =
            name === "run:end"
              ? MAX_RESULT_JSON_LENGTH
              : written < MAX_TRACE_LENGTH
                ? MAX_TRACE_EVENT_LENGTH
                : MAX_TRACE_EVENT_LENGTH_PAST_BUDGET;
          const line = formatEventLine(name, event, maxLength);
          written += line.length;
          stream.write(line);
        });
      }
    },
    close() {
      closing ??= (async () => {
        stream.end();
        await streamClosed;
        if (failure !== undefined) {
          throw new FlowError(
            "trace.write",
            `--trace ${file}: writing failed (${describeFsError(failure)})`,
            {
              file,
            },
          );
        }
      })();
      return closing;
    },
  };
}

/**
 * Opens the trace for writing, mode 0600 even when the file exists already (traces hold run
 * data). An existing regular file is made private before it is emptied, so a file that cannot be
 * made private is refused untouched; a device or a pipe (`/dev/stdout`) is written as it is.
 */
async function openPrivateFile(file: string): Promise<FileHandle> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_CREAT, 0o600);
    const info = await handle.stat();
    if (info.isFile()) {
      if (process.platform !== "win32" && (info.mode & 0o077) !== 0) await handle.chmod(0o600);
      await handle.truncate(0);
    }
    return handle;
  } catch (error) {
    await handle?.close().catch(() => {});
    throw usageError(`--trace ${file}: cannot write it (${describeFsError(error)})`);
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "its directory does not exist";
  if (code === "EISDIR") return "it is a directory, expected a file path";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return code ?? (error instanceof Error ? error.message : String(error));
}
