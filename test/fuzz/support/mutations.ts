import fc from "fast-check";
import { applyMutation, type ManyNodesRead, type Mutation } from "./apply-mutation.js";
import { describeTextEdit, type MutatedCase, type TextEdit } from "./case-text.js";
import { buildFlow, type FuzzWorld, flowBlueprint } from "./valid-flows.js";
import {
  deepValue,
  hugeString,
  oddText,
  prototypeName,
  wildName,
  wildReference,
  wildValue,
  wrongType,
} from "./wild-values.js";

/**
 * The arbitraries of mutated flows: which mutations (see apply-mutation.ts), how often, with which
 * values; and the edits of a flow's text.
 */

const FIELD_NAMES = [
  "id",
  "type",
  "inputs",
  "outputs",
  "nodes",
  "connection",
  "dynamicConnection",
  "dependsOn",
  "when",
  "retry",
  "timeoutMs",
  "continueOnError",
  "name",
  "value",
  "variable",
  "model",
  "messages",
  "resultVariable",
] as const;

const renameTarget = fc.oneof(
  { weight: 4, arbitrary: wildName },
  { weight: 1, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...FIELD_NAMES).map((name) => `${name}s`) },
  { weight: 1, arbitrary: fc.constantFrom(...FIELD_NAMES).map((name) => name.toUpperCase()) },
);

const manyNodesCount = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 1_500 }) },
);
const manyNodesRead = fc.constantFrom<ManyNodesRead>(
  "literal",
  "chain",
  "unknown-variable",
  "unknown-node",
  "unknown-input",
);

/**
 * What may take the place of a string of the flow and keep its shape: odd or long text, a
 * reference that points elsewhere (a reference the flow already holds, so types get mixed up),
 * names nothing knows. A flow changed this way often still validates, and fails (or not) at run time.
 */
const stringInPlace: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: oddText },
  { weight: 2, arbitrary: wildReference },
  { weight: 1, arbitrary: prototypeName },
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("shared-nope", "gpt-unknown", "ftp://x", "http://example.com/models"),
  },
  {
    weight: 1,
    arbitrary: hugeString.map((marker) => ({ ...marker, length: Math.min(marker.length, 64_000) })),
  },
);

const numberInPlace = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 5, 100, 0.5, 1e21, -0.5),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("replace-string" as const),
      pick: fc.nat(),
      value: stringInPlace,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("replace-number" as const),
      pick: fc.nat(),
      value: numberInPlace,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("flip-boolean" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("rename-key" as const), pick: fc.nat(), to: renameTarget }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), value: wildValue }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("rename-node" as const),
      pick: fc.nat(),
      // `null`: the name of another node (or variable), so that two have the same.
      to: fc.option(wildName, { nil: null, freq: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("rename-variable" as const),
      pick: fc.nat(),
      to: fc.option(wildName, { nil: null, freq: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("rename-input" as const), pick: fc.nat(), to: wildName }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("depend" as const),
      from: fc.nat(),
      on: fc.nat(),
      via: fc.constantFrom("dependsOn" as const, "when" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("add-key" as const),
      pick: fc.nat(),
      key: fc.oneof(wildName, fc.constantFrom(...FIELD_NAMES)),
      value: wildValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("duplicate-key" as const), pick: fc.nat(), value: wildValue }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("many-nodes" as const),
      count: manyNodesCount,
      reads: manyNodesRead,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("run-input" as const),
      name: fc.option(wildName, { nil: null, freq: 2 }),
      value: fc.oneof(wrongType, oddText),
    }),
  },
);

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant("truncate" as const), perMille: fc.integer({ min: 0, max: 999 }) }),
  fc.record({
    op: fc.constant("insert" as const),
    perMille: fc.integer({ min: 0, max: 1000 }),
    text: fc.oneof(fc.constantFrom(",", "}", "]", '"', "\u0000", "\ufeff", "//", "\ud800"), oddText),
  }),
  fc.record({
    op: fc.constant("prefix" as const),
    text: fc.constantFrom("\ufeff", "// comment\n", "/* c */", " \n\t", "[", "\u0000"),
  }),
);

/** Valid flows with one to three mutations, and now and then an edit of their text. */
export function mutatedFlow(world: FuzzWorld): fc.Arbitrary<MutatedCase> {
  return fc
    .record({
      blueprint: flowBlueprint,
      first: mutation,
      // One mutation mostly: with two or three, few flows stay valid enough to run. Shrinking
      // drops the others first.
      others: fc.oneof(
        { withCrossShrink: true },
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) },
      ),
      textEdit: fc.oneof(
        { withCrossShrink: true },
        { weight: 7, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: textEdit },
      ),
    })
    .map(({ blueprint, first, others, textEdit }) => {
      let mutated: MutatedCase = buildFlow(blueprint, world);
      for (const each of [first, ...others]) mutated = applyMutation(mutated, each);
      if (textEdit)
        mutated = { ...mutated, textEdit, mutations: [...mutated.mutations, describeTextEdit(textEdit)] };
      return mutated;
    });
}

/**
 * Valid flows with one mutation that is large on purpose: thousands of levels of nesting, a
 * string of megabytes, hundreds of nodes reading names that do not exist, thousands of bad
 * references in one string, a name of a megabyte.
 */
export function stressedFlow(world: FuzzWorld): fc.Arbitrary<MutatedCase> {
  const deep = fc
    .tuple(deepValue, fc.integer({ min: 1_500, max: 6_000 }))
    .map(([marker, depth]) => ({ ...marker, depth }));
  const huge = fc
    .tuple(hugeString, fc.integer({ min: 1_000_000, max: 4_000_000 }))
    .map(([marker, length]) => ({ ...marker, length }));
  const stress: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), value: deep }),
    },
    fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), value: huge }),
    fc.record({
      op: fc.constant("replace" as const),
      pick: fc.nat(),
      value: fc.integer({ min: 1_000, max: 5_000 }).map((count) => ({
        $fuzz: "huge" as const,
        unit: "${vars.nope} ",
        length: count * 13,
      })),
    }),
    fc.record({
      op: fc.constant("many-nodes" as const),
      count: fc.integer({ min: 300, max: 1_500 }),
      reads: fc.constantFrom<ManyNodesRead>("unknown-variable", "unknown-node", "chain"),
    }),
    fc.record({
      op: fc.constant("rename-node" as const),
      pick: fc.nat(),
      to: fc.integer({ min: 100_000, max: 1_000_000 }).map((length) => "n".repeat(length)),
    }),
  );
  return fc
    .record({ blueprint: flowBlueprint, stress })
    .map(({ blueprint, stress }) => applyMutation(buildFlow(blueprint, world), stress));
}
