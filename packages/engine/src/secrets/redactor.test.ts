import { describe, expect, it } from "vitest";
import { MIN_SCRUBBED_LENGTH, Redactor } from "./redactor.js";
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

  it("scrubs a secret URL-encoded, hex-encoded (either case), base64 and base64url at any alignment", () => {
    // A key with characters that URL and base64 encodings change (`/`, `+`, `=`, a space).
    const key = "k3y/with+plus=and space-CANARY-91";
    const redactor = redactorOf(key);
    const encoded = (prefix: string, encoding: "base64" | "base64url") =>
      Buffer.from(`${prefix}${key}, said the service`).toString(encoding);
    const texts = [
      `GET /v1?key=${encodeURIComponent(key)}&x=1`,
      `GET /v1?key=${encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`,
      `dump: ${Buffer.from(key).toString("hex")}`,
      `DUMP: ${Buffer.from(key).toString("hex").toUpperCase()}`,
      ...["", "a", "ab"].flatMap((prefix) => [
        `Authorization: Basic ${encoded(prefix, "base64")}`,
        `token ${encoded(prefix, "base64url")}`,
      ]),
    ];
    for (const text of texts) {
      const redacted = redactor.redactText(text);
      expect(redacted, text).toContain(SECRET_MASK);
      for (const form of encodedForms(key))
        expect(redacted, `${text} as ${form.name}`).not.toContain(form.text);
    }
  });

  it("masks the start of a secret where a text was cut short: at its end or before ... or …", () => {
    const redactor = redactorOf(CANARY);
    // The Foundry path cut service text at 300 characters before scrubbing it.
    const cut = `${"x".repeat(280)} key=${CANARY}`.slice(0, 300);
    expect(redactor.redactText(cut)).toBe(`${"x".repeat(280)} key=${SECRET_MASK}`);
    expect(redactor.redactText(`got "${CANARY.slice(0, 12)}..." instead`)).toBe(
      `got "${SECRET_MASK}..." instead`,
    );
    expect(redactor.redactText(`got ${CANARY.slice(0, 10)}… (80 characters)`)).toBe(
      `got ${SECRET_MASK}… (80 characters)`,
    );
    // How V8 quotes a body JSON.parse refused.
    expect(redactor.redactText(`Unexpected token 'e', "${CANARY.slice(0, 11)}"... is not valid JSON`)).toBe(
      `Unexpected token 'e', "${SECRET_MASK}"... is not valid JSON`,
    );
    // Encoded keys are cut too.
    const hex = Buffer.from(CANARY).toString("hex");
    expect(redactor.redactText(`dump ${hex.slice(0, 20)}`)).toBe(`dump ${SECRET_MASK}`);
  });

  it("leaves a cut start shorter than the scrubbed length, which ordinary words share with keys", () => {
    const redactor = redactorOf(CANARY);
    const short = CANARY.slice(0, MIN_SCRUBBED_LENGTH - 1);
    expect(redactor.redactText(`a ${short}`)).toBe(`a ${short}`);
    expect(redactor.redactText(`a ${short}...`)).toBe(`a ${short}...`);
    expect(redactor.redactText("let us test it...")).toBe("let us test it...");
  });

  it("masks credentials in URLs, whether or not the run knows them", () => {
    const text = "got https://user:pw-9f8e7d6c@example.com:99999/models?api-key=abc123def456";
    for (const redactor of [new Redactor(), redactorOf(CANARY)]) {
      expect(redactor.redactText(text)).toBe("got https://***@example.com:99999/models?api-key=***");
      expect(redactor.redact({ endpoint: text })).toEqual({
        endpoint: "got https://***@example.com:99999/models?api-key=***",
      });
    }
  });

  it("redacts a short text by the secrets known when it is redacted, however often it was before", () => {
    const other = "other-key-CANARY-7a8b";
    const text = `k ${other}`;
    const redactor = redactorOf(CANARY);
    expect(redactor.redactText(text)).toBe(text);
    expect(redactor.redactText(text)).toBe(text);
    redactor.add(other);
    expect(redactor.redactText(text)).toBe(`k ${SECRET_MASK}`);
    expect(redactorOf(CANARY).redactText(text)).toBe(text);
    expect(redactorOf(other).redactText(text)).toBe(`k ${SECRET_MASK}`);
    expect(redactorOf(other).redactPiece(`k ${other.slice(0, 10)}`)).toBe(`k ${other.slice(0, 10)}`);
    expect(redactorOf(other).redactText(`k ${other.slice(0, 10)}`)).toBe(`k ${SECRET_MASK}`);
  });

  it("gives the same result before and after a busy set of secrets is compiled into one pattern", () => {
    const key = "busy-key-CANARY-3c4d5e6f";
    const other = "busy-key-CANARY-3c4d5e6f-longer";
    const texts = [
      `a ${key} b ${other} c`,
      `hex ${Buffer.from(key).toString("hex")} b64 ${Buffer.from(`x${other}`).toString("base64")}`,
      `url ${encodeURIComponent(other)}`,
      "nothing to see here",
    ];
    const before = texts.map((text) => redactorOf(key, other).redactText(text));
    // Enough text to make the set of secrets worth compiling.
    redactorOf(key, other).redactText("lorem ipsum ".repeat(10_000));
    const after = texts.map((text) => redactorOf(other, key).redactText(text));
    expect(after).toEqual(before);
    expect(before[0]).toBe(`a ${SECRET_MASK} b ${SECRET_MASK} c`);
    expect(before.slice(1, 3).every((text) => !text.includes("busy") && text.includes(SECRET_MASK))).toBe(
      true,
    );
  });
});

/** The forms a service may echo a key in, for checks that none of them is left. */
function encodedForms(key: string): Array<{ name: string; text: string }> {
  const bytes = Buffer.from(key);
  const forms = [
    { name: "plain", text: key },
    { name: "URL-encoded", text: encodeURIComponent(key) },
    { name: "hex", text: bytes.toString("hex") },
    { name: "HEX", text: bytes.toString("hex").toUpperCase() },
  ];
  for (let shift = 0; shift < 3; shift++) {
    const aligned = bytes.subarray(shift, shift + Math.floor((bytes.length - shift) / 3) * 3);
    forms.push({ name: `base64 ${shift}`, text: aligned.toString("base64") });
    forms.push({ name: `base64url ${shift}`, text: aligned.toString("base64url") });
  }
  return forms;
}
