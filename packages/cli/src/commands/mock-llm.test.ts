import { describe, expect, it } from "vitest";
import { parseKeys } from "./mock-llm.js";

describe("weft mock-llm --key", () => {
  it("keeps keys named __proto__ or constructor as keys", () => {
    const keys = parseKeys(["__proto__=K1", "constructor=K2", "K3"]);
    expect(Object.entries(keys ?? {})).toEqual([
      ["__proto__", "K1"],
      ["constructor", "K2"],
      ["key-3", "K3"],
    ]);
    expect(Object.getPrototypeOf(keys)).toBe(Object.prototype);
  });

  it("lets a later key of the same name win, and refuses an empty key", () => {
    expect(parseKeys(["a=K1", "a=K2"])).toEqual({ a: "K2" });
    expect(() => parseKeys(["a="])).toThrow('--key: expected a key or name=key, got "a="');
    expect(parseKeys([])).toBeUndefined();
  });
});
