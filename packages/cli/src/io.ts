import { styleText } from "node:util";
import { describeSystemError } from "@weft/store";

/** Where a command writes, and what it reads: the process's streams, or captured ones in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress lines with colour). */
  isTty: boolean;
}

/** The process's own streams, and the exit code once a command has returned. */
export interface ProcessIo extends CliIo {
  /**
   * The exit code to use for a command that returned `commandCode`: 1 instead of 0 if its
   * output could not be written. An output failure reported later still raises the code.
   */
  exitCode(commandCode: number): number;
}

/**
 * The process's own streams, guarded: a reader that went away (EPIPE, as in `weft … | head`) is
 * not an error, so later output is dropped quietly and the command's exit code stands; a stream
 * that cannot be written (ENOSPC, EIO: `weft run f > /dev/full`) ends stdout's output with one
 * line on stderr and exit code 1. Never an unhandled `error` event with a stack.
 */
export function processIo(): ProcessIo {
  let outputFailed = false;
  let commandCode: number | undefined;
  const finalCode = (code: number) => (outputFailed && code === 0 ? 1 : code);
  const stderr = guardStream(process.stderr, () => {});
  const stdout = guardStream(process.stdout, (error) => {
    outputFailed = true;
    stderr(`error: cannot write standard output: ${describeSystemError(error)}\n`);
    if (commandCode !== undefined) process.exitCode = finalCode(commandCode);
  });
  return {
    stdout,
    stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    isTty: Boolean(process.stderr.isTTY),
    exitCode(code) {
      commandCode = code;
      return finalCode(code);
    },
  };
}

/**
 * A writer for one of the process's streams that stops at the stream's first error. A closed
 * pipe (EPIPE) ends it quietly; any other failure is passed to `onFailure`, once.
 */
function guardStream(
  stream: NodeJS.WriteStream,
  onFailure: (error: unknown) => void,
): (text: string) => void {
  let closed = false;
  const fail = (error: unknown) => {
    if (closed) return;
    closed = true;
    if ((error as NodeJS.ErrnoException).code !== "EPIPE") onFailure(error);
  };
  stream.on("error", fail);
  return (text) => {
    if (closed) return;
    try {
      stream.write(text);
    } catch (error) {
      fail(error);
    }
  };
}

type Style = Parameters<typeof styleText>[0];

/** Colours text when the stream is a terminal and NO_COLOR is not set. */
export function paint(io: CliIo, style: Style, text: string): string {
  if (!io.isTty || io.env.NO_COLOR) return text;
  return styleText(style, text);
}
