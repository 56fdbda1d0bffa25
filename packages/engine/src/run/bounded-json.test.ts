import { describe, expect, it } from "vitest";
import { Secret } from "../secrets/secret.js";
import { cutText, measureJsonLength, stringifyBounded } from "./bounded-json.js";

describe("cutText", () => {
  it("keeps short text, and cuts long text to the limit with its original length", () => {
    expect(cutText("short", 10)).toBe("short");
    const cut = cutText("x".repeat(500), 100);
    expect(cut).toHaveLength(100);
    expect(cut).toMatch(/^x+…\[cut, 500 characters in all\]$/);
  });

  it("never splits a surrogate pair", () => {
    // 100 characters leave room for 71 before the marker: the 71st is the first half of the emoji.
    const text = `${"a".repeat(70)}😀${"b".repeat(200)}`;
    const cut = cutText(text, 100);
    expect(cut).toBe(`${"a".repeat(70)}…[cut, 272 characters in all]`);
    expect(cut).not.toContain("\ud83d");
  });
});

describe("measureJsonLength", () => {
  it("matches JSON.stringify on ordinary values", () => {
    const value = { a: [1, true, null, "text"], b: { c: "d" }, e: 12.5 };
    expect(measureJsonLength(value, 1_000)).toBe(JSON.stringify(value).length);
    expect(measureJsonLength("abc", 1_000)).toBe(5);
    expect(measureJsonLength(new Secret("a-secret-value"), 1_000)).toBe(
      JSON.stringify(new Secret("a-secret-value")).length,
    );
  });

  it("counts a string shared many times once per use, and stops counting the rest past the limit", () => {
    const big = "x".repeat(1_000_000);
    expect(
      measureJsonLength(
        Array.from({ length: 100 }, () => big),
        16_000_000,
      ),
    ).toBeGreaterThan(16_000_000);
    const many = new Array(10_000_000).fill(1);
    expect(measureJsonLength(many, 1_000)).toBeGreaterThan(1_000);
  });

  it("ends on a cycle", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    cycle.again = cycle;
    expect(measureJsonLength(cycle, 10_000)).toBeGreaterThan(0);
  });
});

describe("stringifyBounded", () => {
  it("is JSON.stringify when the value fits", () => {
    const value = { status: "ok", nodes: { a: { output: "x".repeat(1_000) } }, list: [1, 2, 3] };
    expect(stringifyBounded(value, { maxLength: 10_000, indent: 2 })).toBe(JSON.stringify(value, null, 2));
    expect(stringifyBounded(undefined, { maxLength: 10 })).toBe("null");
  });

  it("cuts the longest strings to one shared length, keeping every field and the short strings whole", () => {
    const big = "x".repeat(5_000_000);
    const nodes: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) nodes[`n${i}`] = { status: "succeeded", output: big };
    const maxLength = 4_000_000;

    const text = stringifyBounded(
      { status: "succeeded", outputs: { last: big }, nodes },
      { maxLength, indent: 2 },
    );
    expect(text.length).toBeLessThanOrEqual(maxLength * 1.05);
    const parsed = JSON.parse(text);
    expect(parsed.status).toBe("succeeded");
    expect(Object.keys(parsed.nodes)).toHaveLength(10_000);
    expect(parsed.nodes.n9999.status).toBe("succeeded");
    expect(parsed.nodes.n9999.output).toMatch(/^x*…\[cut, 5000000 characters in all\]$/);
    expect(parsed.outputs.last).toMatch(/^x*…\[cut, 5000000 characters in all\]$/);
  });

  it("gives one long string all the room the rest leaves", () => {
    const text = stringifyBounded({ id: "a", answer: "y".repeat(100_000) }, { maxLength: 10_000 });
    const parsed = JSON.parse(text);
    expect(parsed.id).toBe("a");
    expect(parsed.answer.length).toBeGreaterThan(9_800);
    expect(text.length).toBeLessThanOrEqual(10_000);
  });

  it("cuts arrays and objects past the limit when even the short values are too many", () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => i);
    const text = stringifyBounded({ first: { many }, second: { many } }, { maxLength: 10_000 });
    expect(text.length).toBeLessThan(12_000);
    const parsed = JSON.parse(text);
    expect(parsed.first.many.at(-1)).toMatch(/^\[cut: \d+ more items\]$/);
    expect(parsed.second).toBeUndefined();
    expect(parsed["[cut]"]).toBe("[cut: 1 more keys]");
  });

  it("writes cycles, deep values and bigints instead of throwing", () => {
    const cycle: Record<string, unknown> = { name: "loop" };
    cycle.self = cycle;
    let deep: unknown = "bottom";
    for (let i = 0; i < 1_000; i++) deep = [deep];
    const parsed = JSON.parse(stringifyBounded({ cycle, deep, big: 10n }, { maxLength: 100_000 }));
    expect(parsed.cycle).toEqual({ name: "loop", self: "[circular]" });
    expect(JSON.stringify(parsed.deep)).toContain('"[too deep]"');
    expect(parsed.big).toBe("10");
  });

  it("keeps a __proto__ key an ordinary key", () => {
    const value = JSON.parse(`{"__proto__": {"polluted": true}, "long": "${"z".repeat(500)}"}`);
    const parsed = JSON.parse(stringifyBounded(value, { maxLength: 200 }));
    expect(Object.keys(parsed)).toEqual(["__proto__", "long"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("masks secrets as JSON does", () => {
    const text = stringifyBounded(
      { key: new Secret("sk-live-0123456789"), pad: "p".repeat(300) },
      { maxLength: 200 },
    );
    expect(text).not.toContain("sk-live");
  });
});
