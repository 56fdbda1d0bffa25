import fc from "fast-check";
import type { DeepMarker, EntriesMarker, HugeMarker, RawMarker } from "./flow-text.js";

/**
 * Names that reach JS internals when a user string becomes a key of a plain object: the
 * prototype's own properties, the `__proto__` accessor, and a name an attacker would like to see
 * appear on every object.
 */
export const PROTOTYPE_NAMES = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isAdmin",
  "prototype",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
] as const;

/**
 * Text that trips up encoders, terminals and parsers: lone surrogates, bidi and zero-width marks,
 * NUL and other controls, line separators, emoji and combining marks, quotes and template syntax.
 */
export const ODD_TEXTS = [
  "\ud800",
  "\udfff",
  "a\ud83dz",
  "\u202e",
  "\u200f",
  "\u200d",
  "\u0000",
  "\u0007",
  "\u001b[31m",
  "\u2028",
  "\ufeff",
  "😀",
  "👩‍👩‍👧",
  "e\u0301",
  "\u{10ffff}",
  "\t",
  "\r\n",
  "\\",
  '"',
  "`",
  "%s%n",
  "<script>",
  "..",
  ".",
  "",
  " ",
] as const;

/** A name for the flow's own things (node ids, variables, inputs) that is safe in every respect. */
export const SAFE_WORDS = [
  "answer",
  "draft",
  "review",
  "customer",
  "seats",
  "greeting",
  "plan",
  "summary",
  "topic",
  "region",
  "tier",
  "note",
] as const;

export const prototypeName = fc.constantFrom(...PROTOTYPE_NAMES);

/** Odd text alone, mixed into a word, or random code points (any plane, any control). */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD_TEXTS),
  fc
    .tuple(fc.constantFrom(...SAFE_WORDS), fc.constantFrom(...ODD_TEXTS))
    .map(([word, odd]) => `${word}${odd}`),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);

/** A name where a flow expects one: prototype names, odd text, typos of real ones, empty, long. */
export const wildName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: prototypeName },
  { weight: 3, arbitrary: oddText },
  { weight: 2, arbitrary: fc.constantFrom(...SAFE_WORDS).map((word) => `${word}-nope`) },
  { weight: 1, arbitrary: fc.constantFrom("1abc", "-x", "a b", "a.b", "a[0]", "nodes", "vars", "inputs") },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 20_000 }).map((length) => "n".repeat(length)) },
);

/** References that point nowhere, at prototype names, or are not references at all. */
export const wildReference: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "${nodes.nope.output}",
    "${vars.nope}",
    "${inputs.nope}",
    "${nodes.nope}",
    "${nodes}",
    "${}",
    "${",
    "}",
    "$${vars.x}",
    "${ vars.x }",
    "${vars.x.}",
    "${env:HOME}",
    "${nodes.a.output.__proto__.isAdmin}",
    "text ${vars.nope} text ${inputs.nope}",
  ),
  fc
    .tuple(fc.constantFrom("nodes", "vars", "inputs"), wildName)
    .map(([scope, name]) => (scope === "nodes" ? `\${nodes.${name}.output}` : `\${${scope}.${name}}`)),
);

/**
 * A string of 1 KB to 64 KB mostly, and now and then of 1 to 4 MB: long enough to show messages
 * that echo it whole, short enough that a case stays well under a second.
 */
export const hugeString: fc.Arbitrary<HugeMarker> = fc.record({
  $fuzz: fc.constant("huge" as const),
  unit: fc.constantFrom("x", "ab", "é", "😀", "${vars.nope}", "\u202e"),
  length: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1_000, max: 64_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 4_000_000 }) },
  ),
});

/** Nesting of tens to hundreds of levels mostly, and now and then of 1,000 to 5,000. */
export const deepValue: fc.Arbitrary<DeepMarker> = fc.record({
  $fuzz: fc.constant("deep" as const),
  depth: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 10, max: 500 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 5_000 }) },
  ),
  shape: fc.constantFrom("array" as const, "object" as const, "mixed" as const),
  leaf: fc.oneof(fc.constant(1), fc.constant("leaf"), fc.constant("${vars.nope}"), fc.constant(null)),
});

/** An object whose text holds a key twice. */
export const duplicateKeys: fc.Arbitrary<EntriesMarker> = fc
  .tuple(
    fc.oneof(fc.constantFrom("id", "type", "inputs", "name", "value", "nodes")),
    fc.jsonValue({ maxDepth: 1 }),
  )
  .map(([key, value]) => ({
    $fuzz: "entries" as const,
    entries: [[key, value] as [string, unknown], [key, value] as [string, unknown]],
  }));

/** Text that is not what JSON.stringify would write: numbers out of range, raw control characters, JS-isms. */
export const rawText: fc.Arbitrary<RawMarker> = fc
  .constantFrom(
    "1e999",
    "-1e999",
    "1e-999",
    "123456789012345678901234567890",
    "-0",
    '"a\u0000b"',
    '"tab\there"',
    "NaN",
    "undefined",
    "'single'",
    "[1,]",
    '{"a":1,}',
    "/* comment */ 1",
    '"\\ud800"',
    '"\\u0000"',
  )
  .map((text) => ({ $fuzz: "raw" as const, text }));

/** A value of the wrong type for wherever it lands. */
export const wrongType: fc.Arbitrary<unknown> = fc.constantFrom(
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e21,
  "",
  " ",
  [],
  {},
  [null],
  { a: 1 },
  ["${vars.nope}"],
);

/** Anything a mutation may put in place of a value of a flow. */
export const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: wrongType },
  { weight: 3, arbitrary: oddText },
  { weight: 2, arbitrary: prototypeName },
  { weight: 3, arbitrary: wildReference },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: duplicateKeys },
  { weight: 1, arbitrary: rawText },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
