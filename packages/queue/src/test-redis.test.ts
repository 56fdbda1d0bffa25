import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisUnavailable, startTestRedis, type TestRedis, testPrefix } from "../test-support/redis.js";

const skip = redisUnavailable();
if (skip) console.log(skip);

describe.skipIf(skip !== undefined)("the tests' Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("answers, and comes back empty after a restart", async () => {
    const key = `${testPrefix("redis")}:k`;
    const client = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
    await client.connect();
    await client.set(key, "v");
    expect(await client.get(key)).toBe("v");
    if (redis.owned) {
      await redis.restart({ downMs: 50 });
      // ioredis reconnects by itself; the server kept nothing on disk.
      expect(await client.get(key)).toBeNull();
    } else await client.del(key);
    client.disconnect();
  });
});
