import { describe, expect, it } from "vitest";
import { unsupportedNodeVersion } from "./node-version.js";

describe("unsupportedNodeVersion", () => {
  it.each(["18.20.8", "v18.20.8", "20.18.3", "20.0.0", "16.20.2", "19.9.0"])("rejects %s", (version) => {
    expect(unsupportedNodeVersion(version)).toBe(`Weft needs Node.js 20.19 or later; this is ${version}.`);
  });

  it.each(["20.19.0", "20.20.2", "22.0.0", "24.11.1", "25.0.0-nightly"])("accepts %s", (version) => {
    expect(unsupportedNodeVersion(version)).toBeUndefined();
  });
});
