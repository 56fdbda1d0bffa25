import fc from "fast-check";
import { expect } from "vitest";
import type { z } from "zod";
import { checkWith } from "../src/check-with.js";
import { Secret } from "../src/secrets/secret.js";

/** Keys that reach JS internals when an input's key becomes a key of a plain object. */
export const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
];

/** An object with these own keys, in this order, as `JSON.parse` makes one (`__proto__` included). */
export function objectWith(
  entries: ReadonlyArray<readonly [string, unknown]>,
  prototype: object | null = Object.prototype,
) {
  const object = Object.create(prototype) as Record<string, unknown>;
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return object;
}

/** Values no schema expects: edge numbers, odd containers, prototype keys, huge and astral strings. */
export const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    2 ** 53,
    1e308,
    "",
    "x".repeat(32_769),
    "😀".repeat(20_000),
    [],
    [1, "a"],
    {},
    new Date(0),
    new Map([["a", 1]]),
    /x/,
    () => 1,
    1n,
    Symbol.for("weft"),
    new Secret("wild-secret"),
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
    Object.create(null),
    Object.create({ inherited: "yes" }),
  ),
  fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSparseArray: true,
  }),
);

/** Strings a schema is likely to want, besides random ones: pass the domain's own (URLs, names). */
export interface ValueHints {
  strings?: readonly string[];
}

/**
 * Values near what `schema` accepts, mixed with wild ones: valid values often enough that the fast
 * path is exercised, invalid ones at every depth, so that the fallback is too.
 */
export function valuesFor(schema: z.ZodType, hints: ValueHints = {}, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return wildValue;
  return fc.oneof(
    { weight: 15, arbitrary: nearValues(schema, hints, depth) },
    { weight: 1, arbitrary: wildValue },
  );
}

function nearValues(schema: z.ZodType, hints: ValueHints, depth: number): fc.Arbitrary<unknown> {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const inner = (key: string) => valuesFor(def[key] as z.ZodType, hints, depth + 1);
  switch (def.type) {
    case "string":
      return fc.oneof(
        fc.string(),
        fc.string({ unit: "grapheme", minLength: 100, maxLength: 200 }),
        fc.constantFrom("", " ", "a", ...(hints.strings ?? [])),
        ...stringPatterns(schema),
      );
    case "number":
      return fc.oneof(
        fc.integer({ min: -3, max: 1100 }),
        fc.double(),
        fc.constantFrom(0, -0, 0.5, 1, 2, 2.5, 4096, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, "1"),
      );
    case "boolean":
      return fc.constantFrom(true, false, "true", 0);
    case "literal":
      return fc.constantFrom(...(def.values as unknown[]));
    case "enum":
      return fc.constantFrom(...Object.values(def.entries as object), "other");
    case "optional":
    case "default":
    case "prefault":
      return fc.oneof(fc.constant(undefined), inner("innerType"));
    case "nullable":
      return fc.oneof(fc.constant(null), inner("innerType"));
    case "readonly":
    case "nonoptional":
    case "catch":
      return inner("innerType");
    case "pipe":
      return inner("in");
    case "array":
      return fc.array(inner("element"), { maxLength: 6 });
    case "union":
      return fc.oneof(...(def.options as z.ZodType[]).map((option) => valuesFor(option, hints, depth + 1)));
    case "object":
      return objectValues(def.shape as Record<string, z.ZodType>, hints, depth);
    case "record":
      return fc
        .array(fc.tuple(fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_KEYS)), inner("valueType")), {
          maxLength: 4,
        })
        .map((entries) => objectWith(entries));
    case "custom":
      return fc.constantFrom<unknown>(new Secret("a-secret"), "not-a-secret");
    default:
      return wildValue;
  }
}

/** Strings made to pass a schema's regex checks, when it has some. */
function stringPatterns(schema: z.ZodType): Array<fc.Arbitrary<string>> {
  const checks =
    (schema._zod.def as { checks?: Array<{ _zod: { def: { pattern?: unknown } } }> }).checks ?? [];
  return checks.flatMap((check) => {
    const pattern = check._zod.def.pattern;
    return pattern instanceof RegExp ? [fc.stringMatching(pattern)] : [];
  });
}

/** Objects with some of the shape's keys (any order, some undefined) and a few others, hostile ones too. */
function objectValues(
  shape: Record<string, z.ZodType>,
  hints: ValueHints,
  depth: number,
): fc.Arbitrary<unknown> {
  const known = Object.entries(shape).map(([key, schema]) =>
    fc.tuple(
      fc.constant(key),
      fc.oneof({ weight: 12, arbitrary: valuesFor(schema, hints, depth + 1) }, fc.constant(ABSENT)),
      fc.nat(),
    ),
  );
  const extra = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 4 })), wildValue, fc.nat()),
    { maxLength: 3 },
  );
  return fc
    .tuple(
      fc.tuple(...known),
      fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, extra),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([knownEntries, extraEntries, shuffled, nullPrototype]) => {
      const entries = [...knownEntries, ...extraEntries].filter(([, value]) => value !== ABSENT);
      if (shuffled) entries.sort((a, b) => a[2] - b[2]);
      const unique = new Map(entries.map(([key, value]) => [key, value] as const));
      return objectWith([...unique], nullPrototype ? null : Object.prototype);
    });
}

const ABSENT = Symbol("absent");

/**
 * Checks `value` with zod's `safeParse` and with `checkWith` (compiling at once), and expects the same answer: the
 * same success; for a valid value the same output (same keys in the same order, same prototypes,
 * the input's own objects kept exactly where zod keeps them and copied where zod copies them);
 * for an invalid one the same issues and message; for a value zod throws on, the same throw.
 * Returns whether the value was valid.
 */
export function expectSameAsZod(schema: z.ZodType, value: unknown): boolean {
  const before = describeShape(value);
  const expected = outcome(() => schema.safeParse(value));
  const actual = outcome(() => checkWith(schema, value, 0));
  expect(describeShape(value), "the input is left as it was").toEqual(before);
  if ("thrown" in expected) {
    expect(actual).toEqual(expected);
    return false;
  }
  if (!("result" in actual)) throw new Error(`checkWith threw where zod did not: ${String(actual.thrown)}`);
  expect(actual.result.success).toBe(expected.result.success);
  if (!expected.result.success) {
    expect(actual.result.error?.issues).toEqual(expected.result.error.issues);
    expect(actual.result.error?.message).toBe(expected.result.error.message);
    return false;
  }
  expectSameOutput(actual.result.data, expected.result.data, objectsIn(value), "data");
  return true;
}

function outcome<T>(run: () => T): { result: T } | { thrown: unknown } {
  try {
    return { result: run() };
  } catch (error) {
    return { thrown: error instanceof Error ? `${error.name}: ${error.message}` : error };
  }
}

/** Every object the input holds (through own data properties), so that copies can be told from originals. */
function objectsIn(value: unknown, found = new Set<object>()): Set<object> {
  if ((typeof value !== "object" && typeof value !== "function") || value === null || found.has(value))
    return found;
  found.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const property = Object.getOwnPropertyDescriptor(value, key);
    if (property && "value" in property) objectsIn(property.value, found);
  }
  return found;
}

function expectSameOutput(actual: unknown, expected: unknown, inputs: Set<object>, path: string): void {
  if ((typeof expected !== "object" && typeof expected !== "function") || expected === null) {
    expect(Object.is(actual, expected), `${path}: ${String(actual)} is ${String(expected)}`).toBe(true);
    return;
  }
  expect(typeof actual, path).toBe(typeof expected);
  const object = actual as object;
  expect(inputs.has(object), `${path}: copied where zod copies, kept where zod keeps`).toBe(
    inputs.has(expected),
  );
  if (inputs.has(expected)) {
    expect(object === expected, `${path}: the input's own object`).toBe(true);
    return;
  }
  expect(Object.getPrototypeOf(object), `${path}: prototype`).toBe(Object.getPrototypeOf(expected));
  expect(Reflect.ownKeys(object), `${path}: keys, in order`).toEqual(Reflect.ownKeys(expected));
  expect(Object.isFrozen(object), `${path}: frozen`).toBe(Object.isFrozen(expected));
  for (const key of Reflect.ownKeys(expected)) {
    const want = Object.getOwnPropertyDescriptor(expected, key);
    const got = Object.getOwnPropertyDescriptor(object, key);
    expect(got?.enumerable, `${path}.${String(key)}: enumerable`).toBe(want?.enumerable);
    expectSameOutput(got?.value, want?.value, inputs, `${path}.${String(key)}`);
  }
}

/** The input's structure, to show that neither parse changed it. */
function describeShape(value: unknown, seen = new Set<object>()): unknown {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) {
    return typeof value === "symbol" || typeof value === "bigint" ? String(value) : value;
  }
  if (seen.has(value)) return "[seen]";
  seen.add(value);
  return {
    prototype: prototypeNumber(Object.getPrototypeOf(value)),
    frozen: Object.isFrozen(value),
    own: Reflect.ownKeys(value).map((key) => {
      const property = Object.getOwnPropertyDescriptor(value, key);
      return [
        String(key),
        property && "value" in property ? describeShape(property.value, seen) : "[accessor]",
      ];
    }),
  };
}

/** A number per prototype: prototypes (`Map.prototype`'s getters) cannot be compared by value. */
function prototypeNumber(prototype: object | null): number {
  if (prototype === null) return 0;
  let number = prototypeNumbers.get(prototype);
  if (number === undefined) {
    number = prototypeNumbers.size + 1;
    prototypeNumbers.set(prototype, number);
  }
  return number;
}

const prototypeNumbers = new Map<object, number>();
