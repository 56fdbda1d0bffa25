import { describe, expect, it } from "vitest";
import { describeJsonError } from "./json-error.js";

describe("describeJsonError", () => {
  it("drops the piece of the text V8 quotes, which may hold part of a key", () => {
    const key = "test-key-CANARY-json-8e9f";
    for (const body of [key, `{"a": ${key}}`, `{"aaaaaaaaaaaaaaaaaaaaaaaaa": 1, "b": x${key}}`]) {
      let message = "";
      try {
        JSON.parse(body);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/is not valid JSON$/);
      const described = describeJsonError(message);
      expect(described).toMatch(/^Unexpected token '.' \(not valid JSON\)$/);
      expect(described).not.toContain("key");
    }
    expect(describeJsonError("Unexpected end of JSON input")).toBe("Unexpected end of JSON input");
  });
});
