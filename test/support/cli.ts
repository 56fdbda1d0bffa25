import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
/** The package's `bin`, which loads the bundled CLI: what `pnpm weft` and an installed `weft` run. */
export const BIN = join(ROOT, "packages", "cli", "bin", "weft.js");

/** What a `weft` process printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh WEFT_HOME, so tests never touch the user's store. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "weft-test-"));
}

/** Runs the built `weft` CLI and collects its output; never rejects. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...options.env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    sendInput(child, options.input ?? "");
  });
}

/**
 * Writes `input` to a child's stdin and closes it. A command that ends without reading its input
 * (a refused command line, a Node too old) can close the pipe before the write on a busy machine:
 * the write then fails with EPIPE, which says nothing about the command and must not fail the run.
 */
export function sendInput(child: ChildProcess, input: string): void {
  child.stdin?.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  child.stdin?.end(input);
}

/**
 * Starts a long-running `weft` command and waits until its stdout matches `ready` (or, with
 * `"spawned"`, until the process has started).
 */
export function startCli(
  args: string[],
  ready: RegExp | "spawned",
  options: { env?: Record<string, string> } = {},
): Promise<{ match: RegExpMatchArray; stop: (signal?: NodeJS.Signals) => Promise<CliResult> }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...options.env },
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  const stop = async (signal: NodeJS.Signals = "SIGINT") => {
    child.kill(signal);
    const code = await exited;
    return { code, stdout, stderr };
  };
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = ready === "spawned" ? null : stdout.match(ready);
      if (match) resolve({ match, stop });
    });
    if (ready === "spawned")
      child.on("spawn", () => resolve({ match: [] as unknown as RegExpMatchArray, stop }));
    exited.then((code) => reject(new Error(`weft exited with ${code} before it was ready:\n${stderr}`)));
  });
}
