import { describe, expect, it } from "vitest";
import { closestNames, didYouMean, expectedOneOf } from "./closest-names.js";

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

  it("puts the name nearest in length first among equally close ones", () => {
    expect(closestNames("node4999x", ["node4", "node49", "node4999"])).toEqual([
      "node4999",
      "node49",
      "node4",
    ]);
  });
});

describe("expectedOneOf", () => {
  it("lists every known name when there are few", () => {
    expect(expectedOneOf("x", ["a", "b", "c"], "names", "(none)")).toBe("expected one of a, b, c");
    expect(expectedOneOf("x", [], "names", "(none)")).toBe("expected one of (none)");
  });

  it("names the closest few, or says that none is close, when there are many", () => {
    const known = new Map(Array.from({ length: 10_000 }, (_, i) => [`node${i}`, i]));
    expect(expectedOneOf("node12345", known, "nodes", "(none)")).toBe(
      'expected one of the 10000 nodes; did you mean "node1234", "node1235", "node1245"?',
    );
    expect(expectedOneOf("zzz", known, "nodes", "(none)")).toBe(
      "expected one of the 10000 nodes (none is close to this name)",
    );
  });

  it("cuts long known names", () => {
    const long = "v".repeat(1_000);
    expect(expectedOneOf("x", [long], "variables", "(none)")).toBe(
      `expected one of ${"v".repeat(80)}… (1000 characters)`,
    );
  });
});
