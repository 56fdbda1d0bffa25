import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

/** A Redis for W11: `WEFT_BENCH_REDIS_URL` when set, else a `redis-server` from PATH on a free port, nothing on disk. */
export async function startRedis(): Promise<{ url: string; close: () => void }> {
  const given = process.env.WEFT_BENCH_REDIS_URL;
  if (given) return { url: given, close: () => {} };
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  await once(server, "close");
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  await waitForLine(
    child,
    "Ready to accept connections",
    "redis-server (set WEFT_BENCH_REDIS_URL or install redis-server)",
  );
  return { url: `redis://127.0.0.1:${port}`, close: () => child.kill("SIGKILL") };
}

/** `count` `weft worker` processes on `url`, each running `concurrency` rows at once; ready when this resolves. */
export async function startWorkers(
  count: number,
  options: { url: string; prefix: string; secretKey: string; concurrency: number },
): Promise<{ stop: () => Promise<void> }> {
  const args = [
    "worker",
    "--queue",
    options.url,
    "--queue-prefix",
    options.prefix,
    "--concurrency",
    String(options.concurrency),
  ];
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [join(repoRoot, "packages/cli/bundle/weft.js"), ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, WEFT_SECRET_KEY: options.secretKey },
    }),
  );
  await Promise.all(
    children.map((child) => waitForLine(child, "worker ready", "weft worker (is the CLI bundle built?)")),
  );
  return {
    stop: async () => {
      await Promise.all(
        children.map((child) => {
          const exited = once(child, "exit");
          child.kill("SIGTERM");
          return exited;
        }),
      );
    },
  };
}

function waitForLine(child: ChildProcess, line: string, what: string): Promise<void> {
  const stream = child.stdout ?? child.stderr;
  let seen = "";
  return new Promise((resolve, reject) => {
    stream?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(line)) resolve();
    });
    child.once("error", (error) => reject(new Error(`${what}: ${error.message}`)));
    child.once("exit", (code) =>
      reject(new Error(`${what} exited with ${code} before it was ready:\n${seen}`)),
    );
  });
}
