import { describe, expect, it } from "vitest";
import { checkBatchId, indexOfJob, jobIdOf } from "./keys.js";
import { checkRedisUrl } from "./redis.js";
import { readSecretKey, SealError, seal, unseal } from "./seal.js";

const KEY_HEX = "ab".repeat(32);

describe("WEFT_SECRET_KEY and sealing", () => {
  it("reads 32 bytes as hex or base64, and refuses anything else without echoing it", () => {
    expect(readSecretKey(KEY_HEX)).toHaveLength(32);
    expect(readSecretKey(Buffer.alloc(32, 1).toString("base64"))).toHaveLength(32);
    expect(() => readSecretKey(undefined)).toThrow(/WEFT_SECRET_KEY is not set: .*openssl rand -base64 32/);
    expect(() => readSecretKey("  ")).toThrow(/is not set/);
    const short = "test-key-CANARY-7f3a9c2e51d4";
    let message = "";
    try {
      readSecretKey(short);
    } catch (error) {
      message = (error as Error).message;
      expect((error as { code?: string }).code).toBe("queue.config");
    }
    expect(message).toMatch(/expected 32 bytes as 64 hex digits or base64/);
    expect(message).not.toContain(short);
    expect(() => readSecretKey(Buffer.alloc(16).toString("base64"))).toThrow(/expected 32 bytes/);
  });

  it("seals with a fresh IV each time and opens only with the same key", () => {
    const key = readSecretKey(KEY_HEX);
    const text = JSON.stringify({ key: "test-key-CANARY-7f3a9c2e51d4" });
    const one = seal(key, text);
    const two = seal(key, text);
    expect(one).toMatch(/^w1\./);
    expect(one).not.toBe(two);
    expect(one).not.toContain("CANARY");
    expect(unseal(key, one)).toBe(text);
    const other = readSecretKey("cd".repeat(32));
    expect(() => unseal(other, one)).toThrow(SealError);
    expect(() => unseal(other, one)).toThrow(/WEFT_SECRET_KEY is not the producer's/);
    const changed = `${one.slice(0, -4)}AAAA`;
    expect(() => unseal(key, changed)).toThrow(SealError);
    expect(() => unseal(key, "plain")).toThrow(/expected sealed data/);
  });
});

describe("queue names", () => {
  it("checks Redis URLs and masks their passwords", () => {
    expect(checkRedisUrl("redis://:hunter2-password@host:6379/2")).toBe("redis://:***@host:6379/2");
    expect(() => checkRedisUrl("http://host")).toThrow(/expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => checkRedisUrl("not a url")).toThrow(/expected a Redis URL/);
  });

  it("gives each row of a batch its own job id, and reads the row back only for that batch", () => {
    expect(jobIdOf("b-1", 7)).toBe("b-1-7");
    expect(indexOfJob("b-1", "b-1-7")).toBe(7);
    expect(indexOfJob("b", "b-1-7")).toBeUndefined();
    expect(indexOfJob("b-2", "b-1-7")).toBeUndefined();
    expect(checkBatchId("nightly_2026-12-01")).toBe("nightly_2026-12-01");
    expect(() => checkBatchId("a:b")).toThrow(/expected 1 to 64 letters, digits/);
    expect(() => checkBatchId("x".repeat(65))).toThrow(/expected 1 to 64/);
  });
});
