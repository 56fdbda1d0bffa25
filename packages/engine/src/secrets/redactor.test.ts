import { describe, expect, it } from "vitest";
import { Redactor } from "./redactor.js";
import { SECRET_MASK, Secret } from "./secret.js";

const CANARY = "test-key-CANARY-123";

function redactorOf(...secrets: Array<string | Secret>): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}

describe("Redactor", () => {
  it("scrubs every occurrence of a known secret from text", () => {
    expect(redactorOf(CANARY).redactText(`key ${CANARY}, again ${CANARY}.`)).toBe(
      `key ${SECRET_MASK}, again ${SECRET_MASK}.`,
    );
  });

  it("learns the value of a Secret", () => {
    expect(redactorOf(new Secret(CANARY)).redactText(`Bearer ${CANARY}`)).toBe(`Bearer ${SECRET_MASK}`);
  });

  it("masks the longest secret first, so a secret containing another is masked whole", () => {
    const redactor = redactorOf("abcdefgh", "abcdefgh-ijkl-mnop");
    expect(redactor.redactText("long abcdefgh-ijkl-mnop short abcdefgh")).toBe(
      `long ${SECRET_MASK} short ${SECRET_MASK}`,
    );
    // The same, whatever order the secrets were learned in.
    expect(redactorOf("abcdefgh-ijkl-mnop", "abcdefgh").redactText("abcdefgh-ijkl-mnop")).toBe(SECRET_MASK);
  });

  it("does not scrub short secrets from text, which would mask ordinary words", () => {
    const redactor = redactorOf("wrong", "abc");
    expect(redactor.isEmpty).toBe(true);
    expect(redactor.redactText("invalid key or wrong endpoint")).toBe("invalid key or wrong endpoint");
    // A Secret value is masked whatever its length.
    expect(redactor.redact({ key: new Secret("abc") })).toEqual({ key: SECRET_MASK });
  });

  it("scrubs strings in nested objects and arrays, and masks Secret values", () => {
    const redactor = redactorOf(CANARY);
    const value = {
      status: "ok",
      headers: { authorization: `Bearer ${CANARY}` },
      messages: [{ content: "fine" }, { content: `the key is ${CANARY}` }],
      apiKey: new Secret("an-unknown-secret"),
      count: 2,
    };
    const redacted = redactor.redact(value);
    expect(redacted).toEqual({
      status: "ok",
      headers: { authorization: `Bearer ${SECRET_MASK}` },
      messages: [{ content: "fine" }, { content: `the key is ${SECRET_MASK}` }],
      apiKey: SECRET_MASK,
      count: 2,
    });
    expect(JSON.stringify(redacted)).not.toContain(CANARY);
    // The input is not changed; untouched branches are shared.
    expect(value.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(redacted.messages[0]).toBe(value.messages[0]);
  });

  it("scrubs secrets used as property names, keeping the order of the properties", () => {
    const redactor = redactorOf(CANARY);
    const redacted = redactor.redact({
      first: 1,
      usageByKey: { [CANARY]: { requests: 2 }, [`${CANARY}:eu`]: 3, other: CANARY },
    });
    expect(redacted).toEqual({
      first: 1,
      usageByKey: { [SECRET_MASK]: { requests: 2 }, [`${SECRET_MASK}:eu`]: 3, other: SECRET_MASK },
    });
    expect(Object.keys(redacted.usageByKey)).toEqual([SECRET_MASK, `${SECRET_MASK}:eu`, "other"]);
    expect(JSON.stringify(redacted)).not.toContain(CANARY);
  });

  it("redacts a property named __proto__ as data, never as the copy's prototype", () => {
    const redactor = redactorOf(CANARY);
    const value = JSON.parse(
      `{"__proto__": {"key": "${CANARY}"}, "usage": {"__proto__": {"n": 1}, "${CANARY}": 2}}`,
    ) as Record<string, unknown>;
    const redacted = redactor.redact(value) as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, "__proto__")?.value).toEqual({ key: SECRET_MASK });
    const usage = redacted.usage!;
    expect(Object.getPrototypeOf(usage)).toBe(Object.prototype);
    expect(Object.keys(usage)).toEqual(["__proto__", SECRET_MASK]);
    expect(Object.getOwnPropertyDescriptor(usage, "__proto__")?.value).toEqual({ n: 1 });
    expect(JSON.stringify(redacted)).not.toContain(CANARY);
  });

  it("turns an Error into a plain object with its message scrubbed", () => {
    const redacted = redactorOf(CANARY).redact({ error: new TypeError(`401 for key ${CANARY}`) });
    expect(redacted).toEqual({ error: { name: "TypeError", message: `401 for key ${SECRET_MASK}` } });
  });

  it("keeps only what JSON would show of class instances", () => {
    class Client {
      apiKey = CANARY;
    }
    const redacted = redactorOf("unrelated-secret").redact({
      client: new Client(),
      when: new Date(0),
    });
    expect(redacted).toEqual({ client: "[object]", when: "1970-01-01T00:00:00.000Z" });
  });

  it("returns clean values as they are: the same object, not a copy", () => {
    const redactor = redactorOf(CANARY);
    const clean = { a: [1, "two", { three: 3 }], b: null, c: { d: "text" } };
    expect(redactor.redact(clean)).toBe(clean);
    const list = ["x", "y"];
    expect(redactor.redact(list)).toBe(list);
    expect(new Redactor().redact(clean)).toBe(clean);
  });

  it("passes primitives through", () => {
    const redactor = redactorOf(CANARY);
    expect(redactor.redact(42)).toBe(42);
    expect(redactor.redact(null)).toBeNull();
    expect(redactor.redact(undefined)).toBeUndefined();
    expect(redactor.redact(CANARY)).toBe(SECRET_MASK);
  });

  it("stops at cycles instead of recursing forever", () => {
    const cyclic: Record<string, unknown> = { name: CANARY };
    cyclic.self = cyclic;
    const redacted = redactorOf(CANARY).redact(cyclic);
    expect(redacted.name).toBe(SECRET_MASK);
    // The copy is finite, so it can be serialised (a cycle would throw).
    const text = JSON.stringify(redacted);
    expect(text).toContain("[too deep]");
    expect(text).not.toContain(CANARY);
  });
});
