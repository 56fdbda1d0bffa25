import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, sendInput } from "./cli.js";

/** What a command printed and how it exited. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and collects its output; never rejects (a command that cannot start exits 127). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? userEnv(),
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
      },
      (error, stdout, stderr) => {
        const code = !error ? 0 : typeof error.code === "number" ? error.code : error.code ? 127 : 1;
        resolve({ code, stdout, stderr: error && !stderr ? `${stderr}${error.message}` : stderr });
      },
    );
    sendInput(child, options.input ?? "");
  });
}

/**
 * The environment of a user's terminal: this process's, without what package managers add to the
 * scripts they run (`npm_*`, `INIT_CWD`, `PNPM_*`), which would otherwise steer the commands a test
 * starts (pnpm sets `npm_config_prefix`, for instance). Settings that only say how to reach the
 * registry are kept.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cache|cafile|ca|strict_ssl|proxy|https_proxy|http_proxy|noproxy)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|init_cwd$)/i.test(name) && !keep.test(name)) continue;
    env[name] = value;
  }
  return { NO_COLOR: "1", ...env, ...extra };
}

/**
 * How to start pnpm: the one running the tests when they run under `pnpm test`, otherwise the
 * version the repository pins, through npx.
 */
export function pnpmCommand(): { command: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm\.c?js$/.test(execPath)) return { command: process.execPath, args: [execPath] };
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { packageManager: string };
  return { command: "npx", args: ["-y", manifest.packageManager] };
}

/**
 * The path of a real Node.js of this major version, fetched with npx; `undefined`, after one line
 * saying which check is skipped, where npx cannot fetch it.
 */
export async function realNode(major: number, check: string): Promise<string | undefined> {
  const found = await runCommand("npx", ["-y", `node@${major}`, "-p", "process.execPath"], {
    cwd: tmpdir(),
    env: userEnv(),
    timeoutMs: 120_000,
  });
  if (found.code === 0) return found.stdout.trim();
  console.warn(`${check} skipped: \`npx -y node@${major}\` is not available here`);
  return undefined;
}
