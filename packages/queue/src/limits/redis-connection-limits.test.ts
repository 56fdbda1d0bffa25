import { spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  ConnectionKinds,
  ConnectionLimiter,
  createEngine,
  type FlowDefinition,
  FlowError,
  type SharedLimits,
} from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { redisUnavailable, startTestRedis, type TestRedis, testPrefix } from "../../test-support/redis.js";
import { createRedisConnectionLimits, type RedisConnectionLimits } from "./redis-connection-limits.js";

const skip = redisUnavailable();
if (skip) console.log(skip);

/** Two customers on one endpoint, each on their own key (and so their own quota). */
const KEYS = { a: "sk-CANARY-6d0f2a91-tenant-a", b: "sk-CANARY-b73e5c08-tenant-b" } as const;
const kinds = new ConnectionKinds(builtinConnectionKinds);
const CHILD = fileURLToPath(new URL("../../test-support/limits-child.mjs", import.meta.url));

/** One row of a customer's batch: the customer's own connection, with its limits, and one question. */
function tenantFlow(limits: Record<string, number>, maxDelayMs = 50): FlowDefinition {
  return {
    inputs: { key: { type: "secret" }, endpoint: { type: "string" }, tenant: { type: "string" } },
    nodes: [
      {
        id: "connect",
        type: "create-azure-ai-connection",
        inputs: {
          apiKey: "${inputs.key}",
          endpoint: "${inputs.endpoint}",
          name: "tenant-${inputs.tenant}",
          variable: "conn",
          ...limits,
        },
      },
      {
        id: "answer",
        type: "chat-completion",
        dynamicConnection: "${vars.conn}",
        retry: { initialDelayMs: 1, maxDelayMs, maxAttempts: 2 },
        inputs: { model: "gpt-4o-mini", prompt: "How is my order doing?" },
      },
    ],
  };
}

describe.skipIf(skip !== undefined)("connection limits shared through Redis", () => {
  let redis: TestRedis;
  let server: LlmServer;
  let client: Redis;
  const opened: RedisConnectionLimits[] = [];
  let prefix = "";

  beforeAll(async () => {
    [redis, server] = await Promise.all([
      startTestRedis(),
      startLlmServer({ keys: { ...KEYS }, defaultDelayMs: 40 }),
    ]);
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on("error", () => {}); // down while a test restarts Redis: it reconnects by itself
  });
  afterEach(async () => {
    for (const limits of opened.splice(0)) await limits.close();
    // Only the identity hash names a key, and nothing in Redis holds a key.
    const keys = await keysUnder(prefix);
    for (const key of keys) {
      expect(key).toMatch(
        /^weft-test:[^{}]+:limits:\{[A-Za-z0-9_-]{43}\}:(held|started|queue|seen|backoff)$/,
      );
    }
    expect(JSON.stringify(await dumpKeys(keys))).not.toMatch(/CANARY|tenant-a|sk-/);
    if (keys.length > 0) await client.del(...keys);
    server.reset();
  });
  afterAll(async () => {
    client?.disconnect();
    await Promise.all([redis?.stop(), server?.close()]);
  });

  function limitsFor(options: Parameters<typeof createRedisConnectionLimits>[1] = {}) {
    const limits = createRedisConnectionLimits(redis.url, { prefix, ...options });
    opened.push(limits);
    return limits;
  }
  const endpoint = () => `${server.url}/models`;
  const inputsOf = (tenant: keyof typeof KEYS) => ({ key: KEYS[tenant], endpoint: endpoint(), tenant });
  const identityOf = (tenant: keyof typeof KEYS, limits: Record<string, number> = {}) =>
    kinds.identityKey(
      kinds.parse(
        { type: "azure-ai", endpoint: endpoint(), apiKey: KEYS[tenant], name: `tenant-${tenant}`, ...limits },
        { wrapSecrets: true },
      ),
    );

  async function keysUnder(under: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await client.scan(cursor, "MATCH", `${under}:*`, "COUNT", 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    return keys;
  }
  async function dumpKeys(keys: string[]) {
    return Promise.all(
      keys.map(async (key) =>
        (await client.type(key)) === "zset" ? client.zrange(key, "0", "-1", "WITHSCORES") : client.get(key),
      ),
    );
  }

  it("holds one tenant's maxConcurrency across two engines, and leaves the other tenant alone", async () => {
    prefix = testPrefix("limits");
    // The free tenant's answers take long enough that its requests overlap even on a loaded machine.
    server.addRule({ match: { key: "b" }, delayMs: 300 });
    const limited = tenantFlow({ maxConcurrency: 2 });
    const free = tenantFlow({});
    const engines = [limitsFor(), limitsFor()].map((sharedLimits) =>
      createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds, sharedLimits }),
    );
    const runs = engines.flatMap((engine) => [
      ...Array.from({ length: 6 }, () => engine.run(limited, { inputs: inputsOf("a") }).result),
      ...Array.from({ length: 6 }, () => engine.run(free, { inputs: inputsOf("b") }).result),
    ]);
    const results = await Promise.all(runs);
    expect(results.map((result) => result.status)).toEqual(Array(24).fill("succeeded"));
    const stats = server.stats();
    expect(stats.tokensByKey.a?.requests).toBe(12);
    // Each engine alone would allow 2: together they never passed 2.
    expect(stats.maxConcurrencyByKey.a).toBeLessThanOrEqual(2);
    expect(stats.maxConcurrencyByKey.b).toBeGreaterThan(2);
    expect(opened.every((limits) => limits.held === 0)).toBe(true);
  });

  it("holds it across separate processes too", async () => {
    prefix = testPrefix("limits-procs");
    server.addRule({ match: { key: "b" }, delayMs: 300 });
    const orders = {
      mode: "runs",
      redisUrl: redis.url,
      prefix,
      flows: { limited: tenantFlow({ maxConcurrency: 2 }), free: tenantFlow({}) },
      runs: [
        ...Array.from({ length: 5 }, () => ({ flow: "limited", inputs: inputsOf("a") })),
        ...Array.from({ length: 5 }, () => ({ flow: "free", inputs: inputsOf("b") })),
      ],
    };
    const outputs = await Promise.all([runChild(orders), runChild(orders)]);
    for (const output of outputs) expect(JSON.parse(output)).toEqual(Array(10).fill("succeeded"));
    const stats = server.stats();
    expect(stats.tokensByKey.a?.requests).toBe(10);
    expect(stats.maxConcurrencyByKey.a).toBeLessThanOrEqual(2);
    expect(stats.maxConcurrencyByKey.b).toBeGreaterThan(2);
  });

  it("(control) lets two engines without shared limits pass the tenant's maxConcurrency", async () => {
    prefix = testPrefix("limits-control");
    // Answers slow enough that the two engines' requests overlap even on a loaded machine.
    server.addRule({ match: { key: "a" }, delayMs: 300 });
    const limited = tenantFlow({ maxConcurrency: 2 });
    const engines = [0, 1].map(() =>
      createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds }),
    );
    const runs = engines.flatMap((engine) =>
      Array.from({ length: 6 }, () => engine.run(limited, { inputs: inputsOf("a") }).result),
    );
    expect((await Promise.all(runs)).every((result) => result.status === "succeeded")).toBe(true);
    expect(server.stats().maxConcurrencyByKey.a).toBeGreaterThan(2);
  });

  it("holds requestsPerMinute across engines over a sliding window", async () => {
    prefix = testPrefix("limits-rate");
    const windowMs = 2_000;
    const flow = tenantFlow({ requestsPerMinute: 3 });
    const engines = [limitsFor(), limitsFor()].map((shared) =>
      createEngine({
        nodeTypes: builtinNodeTypes,
        connectionKinds: builtinConnectionKinds,
        limiter: new ConnectionLimiter(kinds, { windowMs, shared }),
      }),
    );
    // A first request of each engine (tenant b, no limits) warms its client up, so that the hop
    // from Redis's admission to the server's log is alike for every request measured.
    const free = tenantFlow({});
    await Promise.all(engines.map((engine) => engine.run(free, { inputs: inputsOf("b") }).result));
    const results = await Promise.all(
      engines.flatMap((engine) =>
        Array.from({ length: 4 }, () => engine.run(flow, { inputs: inputsOf("a") }).result),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(Array(8).fill("succeeded"));
    const starts = server.requests
      .filter((entry) => entry.keyName === "a")
      .map((entry) => entry.startedAt)
      .sort((x, y) => x - y);
    expect(starts).toHaveLength(8);
    // Each engine alone would send 3 at once: together, the 4th request waits for the 1st to leave
    // the window. Half a window of margin for the hop from Redis's admission to the server's log,
    // which a loaded machine can stretch for the earlier request and not the later one.
    for (let index = 3; index < starts.length; index++) {
      expect(starts[index]! - starts[index - 3]!).toBeGreaterThan(windowMs / 2);
    }
  });

  it("gives a killed holder's slot back once its lease ends", async () => {
    prefix = testPrefix("limits-kill");
    const identity = identityOf("a");
    // The child renews every third of its lease: a loaded machine would have to hold it back for
    // two thirds of a second to lose the slot while it lives.
    const child = spawnChild({ mode: "hold", redisUrl: redis.url, prefix, identity, leaseMs: 1_000 });
    // It waits to be killed: should the test fail first, it must not outlive it holding a slot.
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    await waitForLine(child, "held");
    const limits = limitsFor();
    const limit: SharedLimits = { maxConcurrency: 1, windowMs: 60_000 };
    let taken = false;
    const waiting = limits.acquire(identity, limit).then((release) => {
      taken = true;
      return release;
    });
    // The child renews its lease while alive: through two lease lengths, the slot stays its own.
    await waitForKey(`${prefix}:limits:{${identity}}:queue`);
    await sleep(2_200);
    expect(taken).toBe(false);
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
    const release = await waiting;
    expect(limits.held).toBe(1);
    release();
    expect(limits.held).toBe(0);
  });

  it("stops waiting when aborted, leaves no place in the queue, and serves waiters in order", async () => {
    prefix = testPrefix("limits-abort");
    const identity = identityOf("b");
    const limit: SharedLimits = { maxConcurrency: 1, windowMs: 60_000 };
    const [first, second] = [limitsFor(), limitsFor()];
    const releaseHeld = await first.acquire(identity, limit);
    const abort = new AbortController();
    const aborted = second.acquire(identity, limit, abort.signal);
    const queueKey = `${prefix}:limits:{${identity}}:queue`;
    await waitForKey(queueKey);
    abort.abort(new Error("cancelled by the test"));
    await expect(aborted).rejects.toThrow("cancelled by the test");
    await expect.poll(() => client.zcard(queueKey), { timeout: 5_000 }).toBe(0);
    expect(second.held).toBe(0);

    // First come, first served: the waiter that came first gets the slot first.
    const order: string[] = [];
    const early = second.acquire(identity, limit).then((release) => {
      order.push("early");
      return release;
    });
    await waitForKey(queueKey);
    // Right after it, often in the same millisecond of Redis's clock: places still keep their order.
    const late = first.acquire(identity, limit).then((release) => {
      order.push("late");
      return release;
    });
    await expect.poll(() => client.zcard(queueKey), { timeout: 5_000 }).toBe(2);
    releaseHeld();
    (await early)();
    (await late)();
    expect(order).toEqual(["early", "late"]);
  });

  it("spreads one engine's 429 back-off to every process of the tenant", async () => {
    prefix = testPrefix("limits-429");
    const identity = identityOf("a");
    const limits = limitsFor();
    // Long enough for the test to see the back-off's key before it expires, on a loaded machine too.
    limits.throttled(identity, 1_000);
    const backoffKey = `${prefix}:limits:{${identity}}:backoff`;
    await waitForKey(backoffKey);
    const release = await limitsFor().acquire(identity, { requestsPerMinute: 100, windowMs: 60_000 });
    // Admitted only once the back-off was over: its key is gone (-2) or in its last ms, where PTTL
    // says 0 and the script already admits.
    expect(await client.pttl(backoffKey)).toBeLessThanOrEqual(0);
    release();
  });

  it("makes the tenant's requests on another engine wait out one engine's 429", async () => {
    prefix = testPrefix("limits-429-engines");
    server.addRule({
      match: { key: "a" },
      fault: { type: "status", status: 429, retryAfterMs: 500 },
      times: 1,
    });
    const flow = tenantFlow({ maxConcurrency: 4 }, 2_000);
    const [first, second] = [limitsFor(), limitsFor()].map((sharedLimits) =>
      createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds, sharedLimits }),
    );
    const throttled = first!.run(flow, { inputs: inputsOf("a") }).result;
    await expect
      .poll(() => server.requests.some((entry) => entry.status === 429), { timeout: 10_000 })
      .toBe(true);
    const other = await second!.run(flow, { inputs: inputsOf("a") }).result;
    expect([(await throttled).status, other.status]).toEqual(["succeeded", "succeeded"]);
    const log = server.requests.filter((entry) => entry.keyName === "a");
    expect(log.map((entry) => entry.status)).toEqual([429, 200, 200]);
    // Neither the retry nor the other engine's request went before the back-off was over.
    for (const entry of log.slice(1)) expect(entry.startedAt - log[0]!.startedAt).toBeGreaterThan(400);
  });

  it("fails a request with a retryable limits.unavailable when Redis cannot be reached, and leaks nothing", async () => {
    prefix = testPrefix("limits-down");
    const limits = createRedisConnectionLimits("redis://127.0.0.1:1", {
      prefix,
      commandTimeoutMs: 1_000,
      unreachableMs: 300,
    });
    opened.push(limits);
    const error = await limits
      .acquire(identityOf("a"), { maxConcurrency: 1, windowMs: 60_000 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(FlowError);
    expect(error).toMatchObject({ code: "limits.unavailable", retryable: true });
    expect(limits.held).toBe(0);
    // Through an engine: the node fails with the same code after its retries, never hangs.
    const engine = createEngine({
      nodeTypes: builtinNodeTypes,
      connectionKinds: builtinConnectionKinds,
      sharedLimits: limits,
    });
    const result = await engine.run(tenantFlow({ maxConcurrency: 2 }), { inputs: inputsOf("a") }).result;
    expect(result.status).toBe("failed");
    expect(result.nodes.answer?.error?.code).toBe("limits.unavailable");
    expect(JSON.stringify(result)).not.toContain("CANARY");
    expect(server.stats().total).toBe(0);
  });

  it.skipIf(process.env.WEFT_TEST_REDIS_URL !== undefined)(
    "waits for a Redis that restarts, and takes the slot once it is back",
    async () => {
      prefix = testPrefix("limits-restart");
      const identity = identityOf("a");
      const limits = limitsFor({ unreachableMs: 20_000 });
      const limit: SharedLimits = { maxConcurrency: 1, windowMs: 60_000 };
      (await limits.acquire(identity, limit))();
      const restarted = redis.restart({ downMs: 500 });
      await sleep(100);
      // Asked while Redis is down: it keeps trying, and is served once Redis is back.
      const release = await limits.acquire(identity, limit);
      await restarted;
      expect(limits.held).toBe(1);
      expect(await client.zcard(`${prefix}:limits:{${identity}}:held`)).toBe(1);
      release();
      expect(limits.held).toBe(0);
    },
  );

  async function waitForKey(key: string): Promise<void> {
    await expect.poll(() => client.exists(key), { timeout: 5_000, interval: 5 }).toBe(1);
  }
});

function spawnChild(orders: object) {
  return spawn(process.execPath, [CHILD], {
    env: { ...process.env, WEFT_LIMITS_CHILD: JSON.stringify(orders) },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function runChild(orders: object): Promise<string> {
  const child = spawnChild(orders);
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const [code] = await once(child, "exit");
  expect(code).toBe(0);
  return output.trim();
}

async function waitForLine(child: ReturnType<typeof spawnChild>, line: string): Promise<void> {
  let output = "";
  child.stdout?.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the child exited (${code}) before "${line}"`)));
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
      if (output.split("\n").includes(line)) resolve();
    });
  });
}

describe("createRedisConnectionLimits options", () => {
  it("refuses what is not a Redis URL without quoting it, a prefix that would break the keys, and odd durations", () => {
    expect(() => createRedisConnectionLimits("http://user:hunter2-secret@host")).toThrow(
      /^Expected a redis:\/\/ or rediss:\/\/ URL for the shared connection limits$/,
    );
    expect(() => createRedisConnectionLimits("redis://127.0.0.1:1", { prefix: "a {b}" })).toThrow(
      'Expected `prefix` to be 1 to 200 characters without spaces or braces, got "a {b}"',
    );
    expect(() => createRedisConnectionLimits("redis://127.0.0.1:1", { leaseMs: 0 })).toThrow(
      "Expected `leaseMs` to be a number of ms above 0, got 0",
    );
  });
});
