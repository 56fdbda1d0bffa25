import { FlowError } from "@weft/engine";
import { Redis } from "ioredis";

/** How long the first connection may take before a producer or worker gives up with a clear error. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Checks a Redis URL (`redis://host:port[/db]`, `rediss://` for TLS) and gives it with any
 * password masked, for messages.
 */
export function checkRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FlowError(
      "queue.config",
      `--queue: expected a Redis URL such as redis://127.0.0.1:6379 or redis://host:6379/2, got ${JSON.stringify(url.slice(0, 80))}`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new FlowError(
      "queue.config",
      `--queue: expected a redis:// or rediss:// URL, got a ${parsed.protocol.replace(/:$/, "")}: URL`,
    );
  }
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

/**
 * A Redis client for BullMQ (no per-command retry limit: commands wait while Redis restarts, and
 * the client reconnects by itself), connected once before it is returned: Redis that cannot be
 * reached at start is a `queue.unreachable` error naming the masked URL.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const shown = checkRedisUrl(url);
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  // Errors while reconnecting are expected (a restart); they must not crash the process.
  let lastError: string | undefined;
  const onError = (error: Error) => {
    lastError = error.message;
  };
  client.on("error", onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    client.disconnect();
    const reason = lastError ?? (error instanceof Error ? error.message : String(error));
    throw new FlowError("queue.unreachable", `cannot reach Redis at ${shown}: ${reason.replace(url, shown)}`);
  } finally {
    clearTimeout(timer);
  }
  client.off("error", onError);
  client.on("error", () => {});
  return client;
}
