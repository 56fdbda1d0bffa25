import fc from "fast-check";
import {
  collectPaths,
  type DocPath,
  getAt,
  isMarker,
  mapStrings,
  removeAt,
  renameKeyAt,
  renderFlowText,
  replaceAt,
  setOwn,
} from "./flow-text.js";
import { buildFlow, type FuzzCase, type FuzzWorld, flowBlueprint } from "./valid-flows.js";
import {
  deepValue,
  hugeString,
  oddText,
  PROTOTYPE_NAMES,
  prototypeName,
  wildName,
  wildReference,
  wildValue,
  wrongType,
} from "./wild-values.js";

/**
 * Mutations of valid flows: what a hand-edited, generated or hostile flow file can hold. Each is
 * data (so a counterexample says what was done) and is applied to a valid flow by `applyMutation`;
 * picks are taken modulo what the flow has, so every mutation applies to every flow.
 */
export type Mutation =
  | { op: "remove"; pick: number }
  | { op: "rename-key"; pick: number; to: string }
  | { op: "replace"; pick: number; value: unknown }
  | { op: "rename-node"; pick: number; to: string | null }
  | { op: "rename-variable"; pick: number; to: string | null }
  | { op: "rename-input"; pick: number; to: string }
  | { op: "depend"; from: number; on: number; via: "dependsOn" | "when" }
  | { op: "add-key"; pick: number; key: string; value: unknown }
  | { op: "duplicate-key"; pick: number; value: unknown }
  | { op: "many-nodes"; count: number; reads: ManyNodesRead }
  | { op: "run-input"; name: string | null; value: unknown }
  | { op: "replace-string"; pick: number; value: unknown }
  | { op: "replace-number"; pick: number; value: number }
  | { op: "flip-boolean"; pick: number };

type ManyNodesRead = "literal" | "chain" | "unknown-variable" | "unknown-node" | "unknown-input";

/** An edit of the flow's text after it is written: cut short, a character let in, something before it. */
export type TextEdit =
  | { op: "truncate"; perMille: number }
  | { op: "insert"; perMille: number; text: string }
  | { op: "prefix"; text: string };

/** A fuzz case with an optional edit of its text. */
export interface MutatedCase extends FuzzCase {
  textEdit?: TextEdit;
}

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

/** The text of a case: its flow written out, then its text edit. */
export function caseText(fuzzCase: MutatedCase): string {
  const text = renderFlowText(fuzzCase.flow);
  const edit = fuzzCase.textEdit;
  if (!edit) return text;
  if (edit.op === "prefix") return edit.text + text;
  const at = Math.floor((text.length * edit.perMille) / 1000);
  return edit.op === "truncate" ? text.slice(0, at) : text.slice(0, at) + edit.text + text.slice(at);
}

// ── Applying mutations ───────────────────────────────────────────────────────────────────────

/** The flow's nodes that are objects, with their index. */
function nodesOf(flow: unknown): Array<{ index: number; node: Record<string, unknown> }> {
  const nodes = getAt(flow, ["nodes"]);
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node, index) =>
    node !== null && typeof node === "object" && !Array.isArray(node) && !isMarker(node)
      ? [{ index, node: node as Record<string, unknown> }]
      : [],
  );
}

const WRITER_INPUTS = ["name", "variable", "resultVariable"] as const;

export function applyMutation(fuzzCase: MutatedCase, change: Mutation): MutatedCase {
  const { flow } = fuzzCase;
  const done = (next: unknown, description: string, inputs = fuzzCase.inputs): MutatedCase => ({
    ...fuzzCase,
    flow: next,
    inputs,
    mutations: [...fuzzCase.mutations, description],
  });
  const paths = collectPaths(flow);
  const pathAt = (pick: number, keep: (path: DocPath) => boolean = () => true) => {
    const candidates = paths.filter(keep);
    return candidates.length ? candidates[pick % candidates.length] : undefined;
  };
  const objectPath = (path: DocPath) => {
    const value = getAt(flow, path);
    return value !== null && typeof value === "object" && !Array.isArray(value) && !isMarker(value);
  };

  switch (change.op) {
    case "remove": {
      const path = pathAt(change.pick, (candidate) => candidate.length > 0);
      return path ? done(removeAt(flow, path), `remove ${formatDocPath(path)}`) : fuzzCase;
    }
    case "rename-key": {
      const path = pathAt(change.pick, (candidate) => typeof candidate[candidate.length - 1] === "string");
      return path
        ? done(
            renameKeyAt(flow, path, change.to),
            `rename ${formatDocPath(path)} to ${describeShort(change.to)}`,
          )
        : fuzzCase;
    }
    case "replace": {
      const path = pathAt(change.pick)!;
      return done(
        replaceAt(flow, path, change.value),
        `replace ${formatDocPath(path)} with ${describeShort(change.value)}`,
      );
    }
    case "rename-node": {
      const nodes = nodesOf(flow).filter(({ node }) => typeof node.id === "string");
      const chosen = nodes[change.pick % Math.max(nodes.length, 1)];
      if (!chosen) return fuzzCase;
      const from = chosen.node.id as string;
      const other = nodes[(change.pick + 1) % nodes.length]!.node.id as string;
      const to = change.to ?? other;
      const next = mapStrings(flow, (text, path) => {
        if (path.length === 3 && path[0] === "nodes" && path[1] === chosen.index && path[2] === "id")
          return to;
        if (path[path.length - 2] === "dependsOn" && text === from) return to;
        return replaceReferences(text, `\${nodes.${from}`, `\${nodes.${to}`, [".", "}"]);
      });
      return done(next, `rename node ${describeShort(from)} to ${describeShort(to)}, references included`);
    }
    case "rename-variable": {
      const writers = nodesOf(flow).flatMap(({ index, node }) => {
        const inputs = node.inputs;
        if (inputs === null || typeof inputs !== "object" || isMarker(inputs)) return [];
        return WRITER_INPUTS.filter(
          (key) => typeof (inputs as Record<string, unknown>)[key] === "string",
        ).map((key) => ({
          path: ["nodes", index, "inputs", key] as DocPath,
          name: (inputs as Record<string, string>)[key]!,
        }));
      });
      const chosen = writers[change.pick % Math.max(writers.length, 1)];
      if (!chosen) return fuzzCase;
      const to = change.to ?? writers[(change.pick + 1) % writers.length]!.name;
      const next = mapStrings(flow, (text, path) =>
        formatDocPath(path) === formatDocPath(chosen.path)
          ? to
          : replaceReferences(text, `\${vars.${chosen.name}`, `\${vars.${to}`, [".", "}"]),
      );
      return done(
        next,
        `rename variable ${describeShort(chosen.name)} to ${describeShort(to)}, references included`,
      );
    }
    case "rename-input": {
      const declared = getAt(flow, ["inputs"]);
      const names =
        declared !== null && typeof declared === "object" && !isMarker(declared) ? Object.keys(declared) : [];
      const from = names[change.pick % Math.max(names.length, 1)];
      if (from === undefined) return fuzzCase;
      const renamed = renameKeyAt(flow, ["inputs", from], change.to);
      const next = mapStrings(renamed, (text) =>
        replaceReferences(text, `\${inputs.${from}`, `\${inputs.${change.to}`, [".", "}"]),
      );
      const inputs = {};
      for (const [name, value] of Object.entries(fuzzCase.inputs))
        setOwn(inputs, name === from ? change.to : name, value);
      return done(
        next,
        `rename input ${describeShort(from)} to ${describeShort(change.to)}, references and run inputs included`,
        inputs,
      );
    }
    case "depend": {
      const nodes = nodesOf(flow);
      if (nodes.length === 0) return fuzzCase;
      const from = change.from % nodes.length;
      // A node later than (or equal to) `from` often reads it already: a cycle, or a self-dependency.
      const on = from + (change.on % (nodes.length - from));
      const source = nodes[from]!;
      const targetId = nodes[on]!.node.id;
      if (change.via === "dependsOn") {
        const list = Array.isArray(source.node.dependsOn) ? [...source.node.dependsOn, targetId] : [targetId];
        return done(
          replaceAt(flow, ["nodes", source.index, "dependsOn"], list),
          `nodes[${source.index}] dependsOn ${describeShort(targetId)}`,
        );
      }
      const reference = `\${nodes.${String(targetId)}.output}`;
      return done(
        replaceAt(flow, ["nodes", source.index, "when"], reference),
        `nodes[${source.index}].when reads ${describeShort(reference)}`,
      );
    }
    case "add-key": {
      const path = pathAt(change.pick, objectPath);
      if (!path) return fuzzCase;
      return done(
        replaceAt(flow, [...path, change.key], change.value),
        `add ${formatDocPath([...path, change.key])} = ${describeShort(change.value)}`,
      );
    }
    case "duplicate-key": {
      const path = pathAt(
        change.pick,
        (candidate) => objectPath(candidate) && Object.keys(getAt(flow, candidate) as object).length > 0,
      );
      if (!path) return fuzzCase;
      const entries = Object.entries(getAt(flow, path) as object);
      const marker = { $fuzz: "entries", entries: [[entries[0]![0], change.value], ...entries] };
      return done(
        replaceAt(flow, path, marker),
        `write ${formatDocPath([...path, entries[0]![0]])} twice, first as ${describeShort(change.value)}`,
      );
    }
    case "many-nodes": {
      const nodes = getAt(flow, ["nodes"]);
      if (!Array.isArray(nodes)) return fuzzCase;
      const added = Array.from({ length: change.count }, (_, index) => ({
        id: `bulk-${index}`,
        type: "declare-variable",
        inputs: { name: `bulk_${index}`, value: bulkValue(change.reads, index) },
      }));
      return done(
        replaceAt(flow, ["nodes"], [...nodes, ...added]),
        `append ${change.count} declare-variable nodes (${change.reads})`,
      );
    }
    case "replace-string": {
      const path = pathAt(change.pick, (candidate) => typeof getAt(flow, candidate) === "string");
      if (!path) return fuzzCase;
      // `null` stands for "a reference the flow already holds", found when the mutation is applied.
      const references = paths
        .map((candidate) => getAt(flow, candidate))
        .filter((value): value is string => typeof value === "string" && /^\$\{[^}]*\}$/.test(value));
      const value =
        change.value ?? references[change.pick % Math.max(references.length, 1)] ?? "${vars.nope}";
      return done(
        replaceAt(flow, path, value),
        `replace ${formatDocPath(path)} with ${describeShort(value)}`,
      );
    }
    case "replace-number": {
      const path = pathAt(change.pick, (candidate) => typeof getAt(flow, candidate) === "number");
      return path
        ? done(replaceAt(flow, path, change.value), `replace ${formatDocPath(path)} with ${change.value}`)
        : fuzzCase;
    }
    case "flip-boolean": {
      const path = pathAt(change.pick, (candidate) => typeof getAt(flow, candidate) === "boolean");
      return path ? done(replaceAt(flow, path, !getAt(flow, path)), `flip ${formatDocPath(path)}`) : fuzzCase;
    }
    case "run-input": {
      const declared = getAt(flow, ["inputs"]);
      const names =
        declared !== null && typeof declared === "object" && !isMarker(declared) ? Object.keys(declared) : [];
      const name = change.name ?? names[0] ?? PROTOTYPE_NAMES[0];
      const inputs = { ...fuzzCase.inputs };
      setOwn(inputs, name, change.value);
      return done(flow, `run input ${describeShort(name)} = ${describeShort(change.value)}`, inputs);
    }
  }
}

function bulkValue(reads: ManyNodesRead, index: number): unknown {
  switch (reads) {
    case "literal":
      return index;
    case "chain":
      return index === 0 ? 0 : `\${vars.bulk_${index - 1}}`;
    case "unknown-variable":
      return "${vars.nope}";
    case "unknown-node":
      return "${nodes.nope.output}";
    case "unknown-input":
      return "${inputs.nope}";
  }
}

/** Replaces `prefix` by `replacement` where a reference goes on with one of `followers` (`.` or `}`). */
function replaceReferences(text: string, prefix: string, replacement: string, followers: string[]): string {
  let out = text;
  for (const follower of followers) out = out.split(prefix + follower).join(replacement + follower);
  return out;
}

/** `nodes[2].inputs["__proto__"]` */
export function formatDocPath(path: DocPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key) && key !== "__proto__" && key.length <= 60)
      out += out ? `.${key}` : key;
    else out += `[${describeShort(key)}]`;
  }
  return out || "(the whole flow)";
}

/** A value in a few dozen characters: long strings by their start and length, markers by what they make. */
export function describeShort(value: unknown): string {
  if (isMarker(value)) {
    switch (value.$fuzz) {
      case "huge":
        return `<${value.length}-character string of ${JSON.stringify(value.unit)}>`;
      case "deep":
        return `<${value.depth} levels of ${value.shape} nesting>`;
      case "entries":
        return `<object with duplicate key ${JSON.stringify(value.entries[0]?.[0])}>`;
      case "raw":
        return `<raw text ${JSON.stringify(value.text)}>`;
    }
  }
  if (typeof value === "string" && value.length > 60)
    return `${JSON.stringify(value.slice(0, 24))}…(${value.length} characters)`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeTextEdit(edit: TextEdit): string {
  switch (edit.op) {
    case "truncate":
      return `cut the text at ${edit.perMille / 10}%`;
    case "insert":
      return `insert ${describeShort(edit.text)} at ${edit.perMille / 10}% of the text`;
    case "prefix":
      return `put ${describeShort(edit.text)} before the text`;
  }
}

/** Whether a UTF-16 code unit is a control, a zero-width or bidi mark, a line separator or a BOM. */
function isInvisible(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    code === 0xfeff
  );
}

/** Text with controls, bidi marks and lone surrogates shown as `\uXXXX`. */
export function showInvisible(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const high = code >= 0xd800 && code <= 0xdbff;
    const next = text.charCodeAt(i + 1);
    if (high && next >= 0xdc00 && next <= 0xdfff) {
      out += text[i]! + text[i + 1]!;
      i++;
    } else if (isInvisible(code) || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** A counterexample for a failure message: what was done to a valid flow, its text, its run inputs. */
export function describeCase(fuzzCase: MutatedCase, maxTextLength = 2_500): string {
  const text = caseText(fuzzCase);
  const shown = text.length > maxTextLength ? `${text.slice(0, maxTextLength)}…` : text;
  const inputs = Object.entries(fuzzCase.inputs).map(
    ([name, value]) => `${describeShort(name)}: ${describeShort(value)}`,
  );
  return [
    fuzzCase.mutations.length
      ? `mutations:\n${fuzzCase.mutations.map((each) => `  - ${each}`).join("\n")}`
      : "a valid flow",
    `flow text (${text.length} characters${text.length > maxTextLength ? `, the first ${maxTextLength} shown` : ""}):`,
    showInvisible(shown),
    `run inputs: {${inputs.join(", ")}}`,
  ].join("\n");
}
