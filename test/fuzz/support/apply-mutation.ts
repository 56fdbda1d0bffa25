import { describeShort, formatDocPath, type MutatedCase } from "./case-text.js";
import {
  collectPaths,
  type DocPath,
  getAt,
  isMarker,
  mapStrings,
  removeAt,
  renameKeyAt,
  replaceAt,
  setOwn,
} from "./flow-text.js";
import { PROTOTYPE_NAMES } from "./wild-values.js";

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

export type ManyNodesRead = "literal" | "chain" | "unknown-variable" | "unknown-node" | "unknown-input";

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
