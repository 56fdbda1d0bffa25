import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  checkRecordCode,
  deriveSecretKey,
  keyIdOf,
  openValue,
  recordCode,
  sealValue,
  UnsealError,
} from "./secret-cipher.js";

const key = deriveSecretKey(randomBytes(32));
const other = deriveSecretKey(randomBytes(32));

function failure(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsealError);
    return (error as UnsealError).failure;
  }
  throw new Error("expected a failure");
}

describe("secret cipher", () => {
  it("seals with a fresh nonce each time and opens with the same key and context", () => {
    const first = sealValue(key, "test-key-value", ["conn", "apiKey"]);
    const second = sealValue(key, "test-key-value", ["conn", "apiKey"]);
    expect(first).not.toBe(second);
    expect(first.split(":").slice(0, 3)).toEqual(["weft", "v1", key.id]);
    expect(openValue(key, first, ["conn", "apiKey"])).toBe("test-key-value");
    expect(openValue(key, sealValue(key, "", ["c", "f"]), ["c", "f"])).toBe("");
  });

  it("refuses another context, another key, a flipped byte and a foreign format", () => {
    const sealed = sealValue(key, "test-key-value", ["conn", "apiKey"]);
    expect(failure(() => openValue(key, sealed, ["other", "apiKey"]))).toEqual({ reason: "forged" });
    expect(failure(() => openValue(key, sealed, ["conn", "secrets", "apiKey"]))).toEqual({
      reason: "forged",
    });
    expect(failure(() => openValue(other, sealed, ["conn", "apiKey"]))).toEqual({
      reason: "other-key",
      keyId: key.id,
    });
    const body = sealed.split(":")[4]!;
    const flipped = `${sealed.slice(0, -body.length)}${body[0] === "A" ? "B" : "A"}${body.slice(1)}`;
    expect(failure(() => openValue(key, flipped, ["conn", "apiKey"]))).toEqual({ reason: "forged" });
    expect(failure(() => openValue(key, sealed.replace("weft:v1:", "weft:v9:"), ["conn", "apiKey"]))).toEqual(
      {
        reason: "malformed",
      },
    );
    expect(failure(() => openValue(key, "test-key-plain", ["conn", "apiKey"]))).toEqual({
      reason: "malformed",
    });
  });

  it("codes records independently of key order and detects any change", () => {
    const code = recordCode(key, "conn", { type: "openai", apiKey: "x", baseUrl: "https://a" });
    expect(() =>
      checkRecordCode(key, code, "conn", { baseUrl: "https://a", apiKey: "x", type: "openai" }),
    ).not.toThrow();
    expect(
      failure(() =>
        checkRecordCode(key, code, "conn", { type: "openai", apiKey: "x", baseUrl: "https://b" }),
      ),
    ).toEqual({ reason: "forged" });
    expect(
      failure(() =>
        checkRecordCode(key, code, "renamed", { type: "openai", apiKey: "x", baseUrl: "https://a" }),
      ),
    ).toEqual({ reason: "forged" });
    expect(failure(() => checkRecordCode(other, code, "conn", {}))).toEqual({
      reason: "other-key",
      keyId: key.id,
    });
  });

  it("derives stable, distinct key ids", () => {
    const raw = randomBytes(32);
    expect(keyIdOf(raw)).toBe(deriveSecretKey(raw).id);
    expect(keyIdOf(raw)).toMatch(/^[\w-]{8}$/);
    expect(key.id).not.toBe(other.id);
    expect(() => deriveSecretKey(randomBytes(16))).toThrow(RangeError);
  });

  it("writes canonical JSON", () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: "x", u: undefined })).toBe(
      '{"a":"x","b":[1,{"c":2,"d":1}]}',
    );
  });
});
