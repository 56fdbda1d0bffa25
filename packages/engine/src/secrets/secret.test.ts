import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { isSecret, SECRET_MASK, Secret } from "./secret.js";

const CANARY = "test-key-CANARY-123";

describe("Secret", () => {
  const secret = new Secret(CANARY);

  it("gives the value back only through reveal()", () => {
    expect(secret.reveal()).toBe(CANARY);
  });

  it("prints a mask through toString, String() and template literals", () => {
    expect(secret.toString()).toBe(SECRET_MASK);
    expect(String(secret)).toBe(SECRET_MASK);
    expect(`key=${secret}`).toBe(`key=${SECRET_MASK}`);
    expect("key=" + secret).toBe(`key=${SECRET_MASK}`);
  });

  it("serialises as the mask, however deep it is", () => {
    expect(JSON.stringify(secret)).toBe(`"${SECRET_MASK}"`);
    expect(JSON.stringify({ connection: { apiKey: secret }, keys: [secret] })).toBe(
      `{"connection":{"apiKey":"${SECRET_MASK}"},"keys":["${SECRET_MASK}"]}`,
    );
  });

  it("is masked by util.inspect at any depth and by console-style formatting", () => {
    const nested = { a: { b: { c: { d: { apiKey: secret } } } } };
    expect(inspect(secret)).toBe(`Secret(${SECRET_MASK})`);
    expect(inspect(nested, { depth: null })).toContain(`Secret(${SECRET_MASK})`);
    for (const text of [
      inspect(nested, { depth: null }),
      inspect(nested, { depth: null, showHidden: true }),
      inspect(secret, { customInspect: false, showHidden: true }),
      format("%s %o %O %j", secret, nested, nested, nested),
    ]) {
      expect(text).not.toContain(CANARY);
    }
  });

  it("has no enumerable property holding the value", () => {
    expect(Object.keys(secret)).toEqual([]);
    expect(Object.values({ ...secret })).toEqual([]);
  });

  it("wraps strings once: Secret.from keeps a Secret as it is", () => {
    expect(Secret.from(secret)).toBe(secret);
    const wrapped = Secret.from("other-value");
    expect(wrapped).toBeInstanceOf(Secret);
    expect(wrapped.reveal()).toBe("other-value");
  });

  it("is recognised by isSecret", () => {
    expect(isSecret(secret)).toBe(true);
    expect(isSecret(CANARY)).toBe(false);
    expect(isSecret({ reveal: () => CANARY })).toBe(false);
  });
});
