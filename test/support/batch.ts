import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, type CliResult, ROOT } from "./cli.js";

/** The flow the batch tests run: one chat per row on the row's tenant connection. */
export const TENANT_FLOW = join(ROOT, "test", "fixtures", "batch", "tenant-chat.flow.json");

/** `--map` options from every input of the tenant flow to the test rows' columns. */
export const TENANT_MAPS = [
  "--map",
  "question=${data.q}",
  "--map",
  "tenant=${data.tenant}",
  "--map",
  "tenantKey=${data.key}",
  "--map",
  "endpoint=${data.endpoint}",
];

/** A fresh folder for one test's data and results. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "weft-batch-"));
}

/** Rows of the tenant flow: row `i` asks `row-<i>`, on the tenant `i % tenants.length`. */
export function tenantRows(count: number, serverUrl: string, keys: ReadonlyArray<[string, string]>) {
  return Array.from({ length: count }, (_, index) => {
    const [tenant, key] = keys[index % keys.length]!;
    return { q: `row-${index}`, tenant, key, endpoint: `${serverUrl}/openai/deployments/gpt-4o-mini` };
  });
}

/** Writes rows as a JSONL file. */
export function writeJsonl(file: string, rows: readonly unknown[]): string {
  writeFileSync(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
  return file;
}

/** One parsed line of a results file. */
export interface ResultLine {
  index: number;
  status: string;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  usage?: { totalTokens: number; byConnection: Record<string, { totalTokens: number }> };
  durationMs: number;
}

/**
 * The complete lines of a results file, parsed; a last line without its newline (a kill cut it)
 * is left out, as `--resume` would cut it off. Throws on a complete line that is not JSON.
 */
export function readResults(file: string): ResultLine[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  return complete
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ResultLine);
}

/** A running `weft` process that a test can signal, with its output collected. */
export interface RunningCli {
  child: ChildProcess;
  /** Resolves when it has exited: its code, or 128 + the signal's number when a signal ended it. */
  exited: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts the built `weft` with arguments, without waiting for it. */
export function spawnCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code: code ?? 128, signal, stdout, stderr })),
  );
  return { child, exited };
}

/** Waits until `check` holds, polling; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The number of complete lines in a file (0 while it does not exist). */
export function completeLines(file: string): number {
  if (!existsSync(file)) return 0;
  const bytes = readFileSync(file);
  let lines = 0;
  for (const byte of bytes) if (byte === 0x0a) lines++;
  return lines;
}
