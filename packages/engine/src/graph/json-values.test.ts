import { describe, expect, it } from "vitest";
import { Secret } from "../secrets/secret.js";
import { compareJsonValues, describeJsonValue } from "./json-values.js";

const equal = (left: unknown, right: unknown) => compareJsonValues(left, right).equal;

describe("compareJsonValues", () => {
  it.each<[unknown, unknown]>([
    ["Accept", "Accept"],
    [1, 1.0],
    [0, -0],
    [true, true],
    [null, null],
    [undefined, null],
    [
      [1, "a", null],
      [1, "a", null],
    ],
    [
      { a: 1, b: [true, { c: "x" }] },
      { b: [true, { c: "x" }], a: 1 },
    ],
    [{ a: 1, gone: undefined }, { a: 1 }],
    [JSON.parse('{"__proto__": 1}'), JSON.parse('{"__proto__": 1}')],
    [[], []],
    [{}, {}],
  ])("%j equals %j", (left, right) => {
    expect(equal(left, right)).toBe(true);
    expect(equal(right, left)).toBe(true);
  });

  it.each<[unknown, unknown]>([
    ["Accept", "Reject"],
    ["Accept", "accept"],
    [1, "1"],
    [0, false],
    ["", null],
    [0, null],
    [false, undefined],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], [1, 1]],
    [[], {}],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1 }, { b: 1 }],
    [{ a: null }, {}],
    [JSON.parse('{"__proto__": 1}'), {}],
    [Number.NaN, Number.NaN],
  ])("%j differs from %j", (left, right) => {
    expect(equal(left, right)).toBe(false);
    expect(equal(right, left)).toBe(false);
  });

  it("compares a Secret by its text and says a secret took part", () => {
    expect(compareJsonValues(new Secret("gold"), "gold")).toEqual({ equal: true, secret: true });
    expect(compareJsonValues(["x", { key: new Secret("k") }], ["x", { key: "other" }])).toEqual({
      equal: false,
      secret: true,
    });
    expect(compareJsonValues("a", "b")).toEqual({ equal: false, secret: false });
  });

  it("compares values nested far deeper than the stack, without recursion", () => {
    const deep = (depth: number, leaf: unknown) => {
      let value: unknown = leaf;
      for (let level = 0; level < depth; level++) value = [value];
      return value;
    };
    expect(equal(deep(200_000, "x"), deep(200_000, "x"))).toBe(true);
    expect(equal(deep(200_000, "x"), deep(200_000, "y"))).toBe(false);
  });

  it("ends on values that contain themselves", () => {
    const left: Record<string, unknown> = { name: "a" };
    left.self = left;
    const right: Record<string, unknown> = { name: "a" };
    right.self = right;
    expect(equal(left, right)).toBe(true);
    const other: Record<string, unknown> = { name: "b" };
    other.self = other;
    expect(equal(left, other)).toBe(false);
  });
});

describe("describeJsonValue", () => {
  it("writes short values as JSON, a missing one as nothing, a Secret as its mask", () => {
    expect(describeJsonValue("Reject")).toBe('"Reject"');
    expect(describeJsonValue(3)).toBe("3");
    expect(describeJsonValue(null)).toBe("null");
    expect(describeJsonValue(undefined)).toBe("nothing");
    expect(describeJsonValue(["a", 1, { b: true }])).toBe('["a", 1, {"b": true}]');
    expect(describeJsonValue({ key: new Secret("sk-canary") })).toBe('{"key": ***}');
  });

  it("scrubs each string and key whole before cutting it", () => {
    const secret = `key-${"x".repeat(200)}`;
    const scrub = (text: string) => text.replaceAll(secret, "***");
    expect(describeJsonValue({ [secret]: [`a ${secret} b`] }, 160, scrub)).toBe('{"***": ["a *** b"]}');
    expect(describeJsonValue(secret, 160, scrub)).toBe('"***"');
  });

  it("stays short whatever the size or depth of the value", () => {
    const long = describeJsonValue("x".repeat(1_000_000));
    expect(long.length).toBeLessThan(120);
    expect(long).toContain("(1000000 characters)");
    const many = describeJsonValue(Array.from({ length: 100_000 }, (_, index) => index));
    expect(many.length).toBeLessThanOrEqual(161);
    expect(many.endsWith("…")).toBe(true);
    let deep: unknown = "leaf";
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(describeJsonValue(deep)).toBe(`${"[".repeat(160)}…`);
    expect(describeJsonValue(deep, 10)).toBe(`${"[".repeat(10)}…`);
  });
});
