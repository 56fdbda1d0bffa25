import fc from "fast-check";
import { SAFE_WORDS } from "./wild-values.js";

/**
 * Valid flows of the built-in node types (declare-variable, create-azure-ai-connection,
 * chat-completion), with run inputs that make them succeed against the offline server. A flow is
 * built from a blueprint of independent random choices, so fast-check can shrink it node by node;
 * every choice maps to something valid (a pick of "an earlier variable" is taken modulo what exists).
 */

/** What the generated flows may rely on when they run. */
export interface FuzzWorld {
  /** Base URL of the offline server, e.g. `http://127.0.0.1:4123`. */
  serverUrl: string;
  /** Static connections the engine (or the CLI's store) knows, by name. */
  staticConnections: readonly string[];
  /** A key the offline server accepts, passed as the flows' secret input. */
  customerKey: string;
}

/** A flow and the inputs of one run of it; `mutations` says how it differs from a valid flow. */
export interface FuzzCase {
  /** The flow document: JSON, possibly with markers (see flow-text.ts). */
  flow: unknown;
  /** Values for the run's inputs. */
  inputs: Record<string, unknown>;
  /** What was done to a valid flow, in words, in order; empty for a valid flow. */
  mutations: string[];
}

type ValueType = "string" | "number" | "boolean" | "object" | "array" | "null" | "secret";

/** Something a node may read: an input, a variable or a node's output. */
interface Source {
  text: string;
  type: ValueType;
  /** The node that writes it (absent for inputs). */
  writer?: number;
}

const word = fc.constantFrom(...SAFE_WORDS);
/** Text without `$`: a `${` would make it a reference. */
const safeText = fc.string({ maxLength: 24 }).map((text) => text.replaceAll("$", "S"));
const safeKey = fc.constantFrom(...SAFE_WORDS, "a", "b", "items", "count");
const safeJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    safeText,
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.constantFrom(0.5, -2.25, 1e-7),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(safeKey, tie("value"), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

const inputBlueprint = fc.record({
  word,
  type: fc.constantFrom(
    "string",
    "number",
    "boolean",
    "object",
    "array",
    "secret",
  ) as fc.Arbitrary<ValueType>,
  hasDefault: fc.boolean(),
  giveValue: fc.boolean(),
  describe: fc.boolean(),
  values: fc.record({
    string: safeText,
    number: fc.integer({ min: -1000, max: 1000 }),
    boolean: fc.boolean(),
    object: fc.dictionary(safeKey, safeJson, { maxKeys: 3, noNullPrototype: true }),
    array: fc.array(safeJson, { maxLength: 3 }),
  }),
});

/** Present four times in five. */
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const nodeBlueprint = fc.record({
  kind: fc.constantFrom("declare", "declare", "declare", "connect", "chat", "chat"),
  word,
  mode: fc.nat(3),
  pick: fc.nat(),
  pick2: fc.nat(),
  literal: safeJson,
  text: safeText,
  typed: fc.boolean(),
  title: optional(safeText),
  // A third of the nodes have a condition: with more, most of a flow is skipped. A number picks a
  // source to test for truthiness; a record, a comparison of a source with literals or another source.
  when: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.oneof(fc.boolean(), fc.nat()) },
    {
      weight: 1,
      arbitrary: fc.record({
        operator: fc.constantFrom("is" as const, "not" as const, "in" as const),
        pick: fc.nat(),
        literal: safeJson,
        list: fc.array(safeJson, { minLength: 1, maxLength: 3 }),
        against: optional(fc.nat()),
      }),
    },
  ),
  dependsOn: fc.array(fc.nat(), { maxLength: 2 }),
  retry: optional(
    fc.record(
      {
        // At least two: a request on a keep-alive socket the server has just closed fails with
        // ECONNRESET now and then, and only a retry makes such a run deterministic.
        maxAttempts: fc.integer({ min: 2, max: 3 }),
        initialDelayMs: fc.nat(5),
        maxDelayMs: fc.nat(10),
      },
      { requiredKeys: [] },
    ),
  ),
  timeoutMs: optional(fc.integer({ min: 20_000, max: 120_000 })),
  continueOnError: optional(fc.boolean()),
  chat: fc.record({
    staticPick: optional(fc.nat()),
    dynamic: fc.boolean(),
    messages: fc.nat(2),
    system: optional(safeText),
    temperature: optional(fc.constantFrom(0, 0.5, 1, 2)),
    maxTokens: optional(fc.integer({ min: 1, max: 256 })),
    topP: optional(fc.constantFrom(0, 0.9, 1)),
    stop: optional(fc.oneof(fc.constant("\n"), fc.array(word, { maxLength: 4 }))),
    stream: optional(fc.boolean()),
    resultVariable: fc.boolean(),
  }),
  connect: fc.record({
    deployment: fc.boolean(),
    viaInput: fc.boolean(),
    name: optional(word),
    apiVersion: optional(fc.constant("2024-10-21")),
    maxConcurrency: optional(fc.integer({ min: 1, max: 4 })),
  }),
});

export const flowBlueprint = fc.record({
  name: optional(safeText),
  description: optional(safeText),
  schema: fc.boolean(),
  inputs: fc.array(inputBlueprint, { maxLength: 4 }),
  nodes: fc.array(nodeBlueprint, { minLength: 1, maxLength: 8 }),
  outputs: fc.array(fc.record({ word, pick: fc.nat(), interpolate: fc.boolean() }), { maxLength: 3 }),
});

export type FlowBlueprint = typeof flowBlueprint extends fc.Arbitrary<infer T> ? T : never;

/** Valid flows with the inputs of a successful run. */
export function validFlow(world: FuzzWorld): fc.Arbitrary<FuzzCase> {
  return flowBlueprint.map((blueprint) => buildFlow(blueprint, world));
}

function typeOfValue(value: unknown): ValueType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as ValueType;
}

/** Builds a valid flow from a blueprint; see the module comment. */
export function buildFlow(blueprint: FlowBlueprint, world: FuzzWorld): FuzzCase {
  const flow: Record<string, unknown> = {};
  if (blueprint.schema) flow.$schema = "../schema/flow.schema.json";
  if (blueprint.name !== undefined) flow.name = blueprint.name;
  if (blueprint.description !== undefined) flow.description = blueprint.description;
  const declared: Record<string, Record<string, unknown>> = {};
  const inputs: Record<string, unknown> = {};
  const sources: Source[] = [];
  const connections: Source[] = [];

  blueprint.inputs.forEach((input, index) => {
    const name = `${input.word}${index}`;
    const declaration: Record<string, unknown> = { type: input.type };
    if (input.describe) declaration.description = `the ${input.word}`;
    const value =
      input.type === "secret" ? "not-a-real-key" : input.values[input.type as keyof typeof input.values];
    if (input.hasDefault && input.type !== "secret") declaration.default = value;
    if (!input.hasDefault || input.type === "secret" || input.giveValue) inputs[name] = value;
    declared[name] = declaration;
    sources.push({ text: `\${inputs.${name}}`, type: input.type });
  });
  const declareInput = (name: string, declaration: Record<string, unknown>, value?: unknown) => {
    if (!declared[name]) {
      declared[name] = declaration;
      if (value !== undefined) inputs[name] = value;
    }
    return `\${inputs.${name}}`;
  };

  const nodes: Array<Record<string, unknown>> = [];
  const mayBeSkipped: boolean[] = [];
  blueprint.nodes.forEach((spec, index) => {
    const id = `${spec.word}-${index}`;
    const node: Record<string, unknown> = { id };
    const reads: Source[] = [];
    const pickFrom = (list: readonly Source[], pick: number) => {
      const source = list.length ? list[pick % list.length] : undefined;
      if (source) reads.push(source);
      return source;
    };
    const plain = sources.filter((source) => source.type !== "secret");
    const strings = sources.filter((source) => source.type === "string");

    if (spec.kind === "declare") {
      node.type = "declare-variable";
      let value: unknown = spec.literal;
      let type = typeOfValue(spec.literal);
      const source = spec.mode === 0 ? undefined : pickFrom(sources, spec.pick);
      if (source && spec.mode === 1) {
        value = source.text;
        type = source.type;
      } else if (source && spec.mode === 2) {
        value = `${spec.text} ${source.text}!`;
        type = source.type === "secret" ? "secret" : "string";
      } else if (source && spec.mode === 3) {
        value = { [spec.word]: source.text, n: 1 };
        type = "object";
      }
      const name = `${spec.word}_${index}`;
      const inputsOf: Record<string, unknown> = { name, value };
      if (spec.typed && type !== "null") {
        const declaredType = type === "string" && spec.pick2 % 2 === 1 ? "secret" : type;
        inputsOf.type = declaredType;
        type = declaredType;
      }
      node.inputs = inputsOf;
      sources.push({ text: `\${vars.${name}}`, type, writer: index });
      sources.push({ text: `\${nodes.${id}.output}`, type, writer: index });
    } else if (spec.kind === "connect") {
      node.type = "create-azure-ai-connection";
      const url = spec.connect.deployment
        ? `${world.serverUrl}/openai/deployments/gpt-4o-mini`
        : `${world.serverUrl}/models`;
      const variable = `${spec.word}_connection_${index}`;
      node.inputs = {
        apiKey: declareInput("customerKey", { type: "secret" }, world.customerKey),
        endpoint: spec.connect.viaInput
          ? declareInput(`endpoint${index}`, { type: "string", default: url })
          : url,
        variable,
        ...(spec.connect.name === undefined ? {} : { name: spec.connect.name }),
        ...(spec.connect.apiVersion === undefined ? {} : { apiVersion: spec.connect.apiVersion }),
        ...(spec.connect.maxConcurrency === undefined ? {} : { maxConcurrency: spec.connect.maxConcurrency }),
      };
      connections.push({ text: `\${vars.${variable}}`, type: "object", writer: index });
      sources.push({ text: `\${vars.${variable}}`, type: "object", writer: index });
    } else {
      node.type = "chat-completion";
      const chat = spec.chat;
      const dynamic =
        chat.dynamic && connections.length ? connections[spec.pick % connections.length] : undefined;
      if (dynamic) node.dynamicConnection = dynamic.text;
      // A dynamic connection from a branch that may be skipped resolves to nothing: keep a static one then.
      const needsStatic = !dynamic || mayBeSkipped[dynamic.writer!] === true;
      if (chat.staticPick !== undefined || needsStatic)
        node.connection = world.staticConnections[(chat.staticPick ?? 0) % world.staticConnections.length];
      const content = (pick: number, text: string) => {
        const source = pickFrom(pick % 3 === 0 ? strings : plain, pick);
        if (!source) return text || "Hello";
        return source.type === "string" && pick % 2 === 0 ? source.text : `${text} ${source.text}`;
      };
      const inputsOf: Record<string, unknown> = { model: "gpt-4o-mini" };
      if (chat.messages === 0) {
        if (chat.system !== undefined) inputsOf.system = chat.system;
        inputsOf.prompt = content(spec.pick2, spec.text);
      } else {
        const messages: Array<Record<string, string>> = [];
        if (chat.system !== undefined) messages.push({ role: "system", content: chat.system });
        messages.push({ role: "user", content: content(spec.pick2, spec.text) });
        if (chat.messages === 2) {
          messages.push({ role: "assistant", content: "Noted." });
          messages.push({ role: "user", content: content(spec.pick2 + 1, "And then?") });
        }
        inputsOf.messages = messages;
      }
      if (chat.temperature !== undefined) inputsOf.temperature = chat.temperature;
      if (chat.maxTokens !== undefined) inputsOf.maxTokens = chat.maxTokens;
      if (chat.topP !== undefined) inputsOf.topP = chat.topP;
      if (chat.stop !== undefined) inputsOf.stop = chat.stop;
      if (chat.stream !== undefined) inputsOf.stream = chat.stream;
      if (chat.resultVariable) {
        const name = `${spec.word}_answer_${index}`;
        inputsOf.resultVariable = name;
        sources.push({ text: `\${vars.${name}}`, type: "string", writer: index });
      }
      node.inputs = inputsOf;
      sources.push({ text: `\${nodes.${id}.output.content}`, type: "string", writer: index });
      sources.push({ text: `\${nodes.${id}.output.usage.totalTokens}`, type: "number", writer: index });
      sources.push({ text: `\${nodes.${id}.output}`, type: "object", writer: index });
    }

    if (spec.title !== undefined) node.title = spec.title;
    const earlierSources = sources.filter((candidate) => candidate.writer !== index);
    if (typeof spec.when === "boolean") node.when = spec.when;
    else if (typeof spec.when === "number") {
      const source = pickFrom(earlierSources, spec.when);
      if (source) node.when = source.text;
    } else if (spec.when !== undefined) {
      const { operator, pick, literal, list, against } = spec.when;
      const source = pickFrom(earlierSources, pick);
      const other = against === undefined ? undefined : pickFrom(earlierSources, against);
      if (source) {
        const operand = other?.text ?? literal;
        node.when = { value: source.text, [operator]: operator === "in" ? [...list, operand] : operand };
      }
    }
    const earlier = spec.dependsOn.filter(() => index > 0).map((pick) => nodes[pick % index]!.id as string);
    if (earlier.length) node.dependsOn = [...new Set(earlier)];
    if (spec.retry !== undefined) node.retry = spec.retry;
    if (spec.timeoutMs !== undefined) node.timeoutMs = spec.timeoutMs;
    if (spec.continueOnError !== undefined) node.continueOnError = spec.continueOnError;
    mayBeSkipped[index] =
      node.when !== undefined ||
      reads.some((source) => source.writer !== undefined && mayBeSkipped[source.writer]);
    nodes.push(node);
  });

  if (Object.keys(declared).length) flow.inputs = declared;
  flow.nodes = nodes;
  if (blueprint.outputs.length) {
    const outputs: Record<string, unknown> = {};
    blueprint.outputs.forEach((output, index) => {
      const source = sources.length ? sources[output.pick % sources.length]! : undefined;
      outputs[`${output.word}${index}`] = !source
        ? output.word
        : output.interpolate
          ? `${output.word}: ${source.text}`
          : source.text;
    });
    flow.outputs = outputs;
  }
  return { flow, inputs, mutations: [] };
}
