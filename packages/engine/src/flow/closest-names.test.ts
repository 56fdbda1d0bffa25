import { describe, expect, it } from "vitest";
import { closestNames, didYouMean } from "./closest-names.js";

describe("closestNames", () => {
  it("suggests the names a typo is close to", () => {
    expect(closestNames("contnet", ["content", "usage", "model", "connection"])).toEqual(["content"]);
    expect(closestNames("totalTokenz", ["totalTokens", "promptTokens", "completionTokens"])).toEqual([
      "totalTokens",
    ]);
  });

  it("leaves out names too far to be a typo", () => {
    expect(closestNames("zzz", ["content", "usage"])).toEqual([]);
    expect(didYouMean("zzz", ["content"])).toBe("");
  });

  it("lists at most three names however many are known", () => {
    const known = Array.from({ length: 10_000 }, (_, i) => `name${i}`);
    expect(closestNames("name", known)).toHaveLength(3);
    expect(didYouMean("nam1", ["name1", "other"])).toBe(' (did you mean "name1"?)');
  });
});
