import { describe, expect, it } from "vitest";
import { MAX_ECHOED_STRING_LENGTH } from "../limits.js";
import { clip, echo } from "./echo.js";

describe("echo and clip", () => {
  it("quote short text as it is", () => {
    expect(echo("chat-complete")).toBe('"chat-complete"');
    expect(echo('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(clip("${vars.x}")).toBe("${vars.x}");
  });

  it("keep the start of long text and say how long it was", () => {
    const long = "a".repeat(5_000_000);
    expect(echo(long)).toBe(`"${"a".repeat(MAX_ECHOED_STRING_LENGTH)}…" (5000000 characters)`);
    expect(clip(long)).toBe(`${"a".repeat(MAX_ECHOED_STRING_LENGTH)}… (5000000 characters)`);
  });

  it("do not cut a character made of two UTF-16 units in half", () => {
    const text = `${"a".repeat(MAX_ECHOED_STRING_LENGTH - 1)}😀${"b".repeat(10)}`;
    expect(clip(text)).toBe(`${"a".repeat(MAX_ECHOED_STRING_LENGTH - 1)}… (${text.length} characters)`);
  });
});
