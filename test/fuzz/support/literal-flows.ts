import fc from "fast-check";
import { describeShort } from "./case-text.js";
import { setOwn } from "./flow-text.js";
import type { FuzzCase } from "./valid-flows.js";
import { ODD_TEXTS, PROTOTYPE_NAMES, SAFE_WORDS } from "./wild-values.js";

/**
 * Flows of declare-variable nodes whose values are literals with hostile keys and text: prototype
 * names, odd unicode, empty keys. Such a value must come out of the run as it went in (or the
 * flow be refused at validation), and each output must be an own property of `result.outputs`.
 */

/** Text without `$` (a `${` would make it a reference, `$${` an escape). */
const literalText = fc
  .oneof(
    fc.constantFrom(...ODD_TEXTS),
    fc.string({ unit: "binary", maxLength: 8 }),
    fc.string({ maxLength: 8 }),
  )
  .map((text) => text.replaceAll("$", "S"));

const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
  { weight: 2, arbitrary: literalText },
  { weight: 1, arbitrary: fc.constantFrom(...SAFE_WORDS, "0", "1", "-1", "length") },
);

/** A JSON value whose objects are built with own properties only, whatever their keys. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    literalText,
    fc.integer(),
    fc.constantFrom(0.1, -0, 1e300, -1e-300),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.array(fc.tuple(hostileKey, tie("value")), { maxLength: 4 }).map((entries) => {
      const object = {};
      for (const [key, value] of entries) setOwn(object, key, value);
      return object;
    }),
  ),
})).value;

const outputName = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom(...SAFE_WORDS), literalText);

/** Now and then a value is wrapped in tens to hundreds of arrays and objects: nesting a flow may well hold. */
const nesting = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 300 }) },
);

function nest(value: unknown, depth: number | undefined): unknown {
  let nested = value;
  for (let level = 0; level < (depth ?? 0); level++) nested = level % 2 === 0 ? [nested] : { items: nested };
  return nested;
}

/** A flow of one to four declare-variable nodes with literal values, each also a flow output. */
export const literalFlow: fc.Arbitrary<FuzzCase & { literals: Array<{ id: string; output: string }> }> = fc
  .array(fc.tuple(hostileJson, outputName, nesting), { minLength: 1, maxLength: 4 })
  .map((entries) => {
    const outputs = {};
    const literals: Array<{ id: string; output: string }> = [];
    const values = entries.map(([value, output, depth]) => [nest(value, depth), output] as const);
    const nodes = values.map(([value, output], index) => {
      const id = `literal-${index}`;
      // Names already used by an earlier node's output would be written twice.
      const name = literals.some((literal) => literal.output === output) ? `${output}-${index}` : output;
      setOwn(outputs, name, `\${vars.literal_${index}}`);
      literals.push({ id, output: name });
      return { id, type: "declare-variable", inputs: { name: `literal_${index}`, value } };
    });
    return {
      flow: { nodes, outputs },
      inputs: {},
      mutations: [`literal values ${literals.map(({ output }) => describeShort(output)).join(", ")}`],
      literals,
    };
  });

/**
 * Where `actual` differs from `expected` (a value JSON.parse made): a missing or extra key, another
 * value, or an object whose prototype is not a plain object's; `undefined` when they are the same.
 */
export function findDifference(actual: unknown, expected: unknown, path = "value"): string | undefined {
  const difference = findDifferenceAt(actual, expected, path, 0);
  return (
    difference &&
    `${difference.path.length > 100 ? `${difference.path.slice(0, 40)}…${difference.path.slice(-40)}` : difference.path} (depth ${difference.depth}): ${difference.what}`
  );
}

function findDifferenceAt(
  actual: unknown,
  expected: unknown,
  path: string,
  depth: number,
): { path: string; depth: number; what: string } | undefined {
  const differ = (what: string) => ({ path, depth, what });
  if (expected === null || typeof expected !== "object") {
    return Object.is(actual, expected)
      ? undefined
      : differ(`expected ${describeShort(expected)}, got ${describeShort(actual)}`);
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return differ(`expected an array of ${expected.length}, got ${describeShort(actual)}`);
    for (let index = 0; index < expected.length; index++) {
      const difference = findDifferenceAt(actual[index], expected[index], `${path}[${index}]`, depth + 1);
      if (difference) return difference;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual))
    return differ(`expected an object, got ${describeShort(actual)}`);
  const prototype = Object.getPrototypeOf(actual);
  if (prototype !== Object.prototype && prototype !== null)
    return differ(`the object's prototype is ${describeShort(prototype)}, not a plain object's`);
  const expectedKeys = Object.keys(expected).sort();
  const actualKeys = Object.keys(actual).sort();
  if (expectedKeys.join("\u0001") !== actualKeys.join("\u0001"))
    return differ(`expected keys ${describeShort(expectedKeys)}, got ${describeShort(actualKeys)}`);
  for (const key of expectedKeys) {
    const difference = findDifferenceAt(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      `${path}[${JSON.stringify(key)}]`,
      depth + 1,
    );
    if (difference) return difference;
  }
  return undefined;
}
