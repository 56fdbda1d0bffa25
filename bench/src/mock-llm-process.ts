import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

/**
 * `weft mock-llm` in a process of its own, accepting `key` and answering every request (chat,
 * embeddings, search, Content Safety) after `delayMs`.
 */
export function startMockLlmProcess(
  key: string,
  delayMs: number,
): Promise<{ url: string; close: () => void }> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "packages/cli/bundle/weft.js"), "mock-llm", "--key", key, "--delay", String(delayMs)],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const close = () => {
    if (child.exitCode === null) child.kill("SIGINT");
  };
  return new Promise((resolve, reject) => {
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve({ url: match[1], close });
    });
    child.once("exit", (code) =>
      reject(new Error(`weft mock-llm exited with ${code} (is the CLI bundle built?)`)),
    );
  });
}
