/**
 * A real Redis for the queue's tests: `WEFT_TEST_REDIS_URL` when set; else a `redis-server` from
 * PATH, started on a free 127.0.0.1 port with nothing kept on disk, and stopped after; else none,
 * and the tests that need it are skipped with one line saying what to install.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A Redis the tests may use: its URL, and (when the suite started it) a way to restart it. */
export interface TestRedis {
  readonly url: string;
  /** Whether the suite started this server (and so may restart it); false for `WEFT_TEST_REDIS_URL`. */
  readonly owned: boolean;
  /** Stops the server and starts it again on the same port, empty (it keeps nothing on disk). */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the server the suite started; nothing for `WEFT_TEST_REDIS_URL`. */
  stop(): Promise<void>;
}

/** Why no Redis is available, for `describe.skipIf`; `undefined` when one is. */
export function redisUnavailable(): string | undefined {
  if (process.env.WEFT_TEST_REDIS_URL) return undefined;
  const found = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  if (found.error || found.status !== 0)
    return "Skipping the Redis tests: set WEFT_TEST_REDIS_URL=redis://host:port, or install redis-server (Debian: apt install redis-server)";
  return undefined;
}

/** A unique key prefix per test, so that tests sharing one Redis never see each other's keys. */
export function testPrefix(name = "t"): string {
  return `weft-test:${name}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
}

/** Starts (or names) the Redis for a test file. Call `stop()` in `afterAll`. */
export async function startTestRedis(): Promise<TestRedis> {
  const given = process.env.WEFT_TEST_REDIS_URL;
  if (given)
    return {
      url: given,
      owned: false,
      restart: async () => {
        throw new Error("Cannot restart the Redis named by WEFT_TEST_REDIS_URL");
      },
      stop: async () => {},
    };
  const port = await freePort();
  let child = await startServer(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    owned: true,
    async restart({ downMs = 300 } = {}) {
      await stopServer(child);
      await sleep(downMs);
      child = await startServer(port);
    },
    async stop() {
      await stopServer(child);
    },
  };
}

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)),
    );
    child.once("error", reject);
  });
  await Promise.race([
    ready,
    sleep(10_000).then(() => {
      throw new Error(`redis-server was not ready within 10 s:\n${output}`);
    }),
  ]);
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}
