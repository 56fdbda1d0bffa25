import { describe, expect, it } from "vitest";
import { z } from "zod";
import { setNodeType } from "../../test-support/test-node-types.js";
import { type Flow, type FlowDefinition, flowSchema } from "../flow/schema.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { NodeTypeRegistry } from "../node-type/registry.js";
import { findOutputPathProblem } from "./check-output-paths.js";
import { compileFlow } from "./compile-flow.js";

const usage = z.object({ promptTokens: z.number(), completionTokens: z.number(), totalTokens: z.number() });
const answerSchema = z.object({
  content: z.string(),
  finishReason: z.string().nullable(),
  usage,
  choices: z.array(z.object({ text: z.string() })),
  pair: z.tuple([z.string(), z.object({ score: z.number() })]),
  meta: z.record(z.string(), z.unknown()),
  extra: z.unknown(),
  maybe: z
    .object({ deep: z.object({ value: z.number() }) })
    .optional()
    .nullable(),
  either: z.union([
    z.object({ kind: z.literal("a"), alpha: z.string() }),
    z.object({ kind: z.literal("b"), beta: z.number() }),
  ]),
  tagged: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("x"), xs: z.array(z.number()) }),
    z.object({ kind: z.literal("y"), ys: z.string() }),
  ]),
  both: z.intersection(z.object({ left: z.string() }), z.object({ right: z.string() })),
  loose: z.looseObject({ known: z.string() }),
  strict: z.strictObject({ only: z.string() }),
  tree: z.lazy(() => z.object({ label: z.string(), child: z.unknown() })),
  defaulted: z.object({ on: z.boolean() }).default({ on: true }),
});

const problemAt = (path: string) => findOutputPathProblem(answerSchema, path === "" ? [] : path.split("."));

describe("findOutputPathProblem", () => {
  it.each([
    "",
    "content",
    "finishReason",
    "usage",
    "usage.totalTokens",
    "choices",
    "choices.0",
    "choices.12.text",
    "choices.length",
    "pair.0",
    "pair.1.score",
    "meta.anything.below",
    "extra.whatever.0.x",
    "maybe.deep.value",
    "either.kind",
    "either.alpha",
    "either.beta",
    "tagged.xs.3",
    "tagged.ys",
    "both.left",
    "both.right",
    "loose.known",
    "loose.anything",
    "strict.only",
    "tree.label",
    "tree.child.grand.child",
    "defaulted.on",
  ])("allows %s", (path) => {
    expect(problemAt(path)).toBeUndefined();
  });

  it("stops at a field an object does not declare, listing the fields it has", () => {
    expect(problemAt("contnet")).toMatchObject({
      depth: 0,
      fields: expect.arrayContaining(["content", "usage"]),
    });
    expect(problemAt("usage.totalTokenz")).toEqual({
      depth: 1,
      fields: ["promptTokens", "completionTokens", "totalTokens"],
    });
    expect(problemAt("strict.other")).toEqual({ depth: 1, fields: ["only"] });
    expect(problemAt("maybe.deep.valeu")).toEqual({ depth: 2, fields: ["value"] });
  });

  it("stops inside values that have no fields", () => {
    expect(problemAt("content.text")).toEqual({ depth: 1, fields: [], leaf: "a string" });
    expect(problemAt("usage.totalTokens.x")).toEqual({ depth: 2, fields: [], leaf: "a number" });
    expect(problemAt("choices.first")).toEqual({ depth: 1, fields: [], leaf: "an array" });
    expect(problemAt("pair.2")).toMatchObject({ depth: 1, fields: [] });
    expect(problemAt("defaulted.on.x")).toEqual({ depth: 2, fields: [], leaf: "a boolean" });
  });

  it("allows a path through a union if any member allows it, and merges the members' fields otherwise", () => {
    expect(problemAt("either.gamma")).toEqual({ depth: 1, fields: ["kind", "alpha", "beta"] });
    expect(problemAt("tagged.zs")).toEqual({ depth: 1, fields: ["kind", "xs", "ys"] });
    expect(problemAt("both.middle")).toEqual({ depth: 1, fields: ["left", "right"] });
  });

  it("never takes names from the object prototype for fields", () => {
    expect(problemAt("constructor")).toMatchObject({ depth: 0 });
    expect(problemAt("usage.__proto__")).toMatchObject({ depth: 1 });
    expect(problemAt("usage.toString")).toMatchObject({ depth: 1 });
  });

  it("allows everything below unknown, any, records and custom checks", () => {
    for (const schema of [z.unknown(), z.any(), z.record(z.string(), z.number()), z.instanceof(Date)]) {
      expect(findOutputPathProblem(schema, ["a", "b", "0"])).toBeUndefined();
    }
  });

  it("ends on a schema that refers to itself without end", () => {
    const endless: z.ZodType = z.lazy(() => endless);
    expect(findOutputPathProblem(endless, ["a"])).toBeUndefined();
  });
});

describe("compileFlow: output paths", () => {
  const answerType = defineNodeType({
    type: "answer",
    description: "Returns an answer-shaped object.",
    input: z.object({}).strict(),
    output: answerSchema,
    run: () => {
      throw new Error("not run in these tests");
    },
  });
  const registry = new NodeTypeRegistry([setNodeType, answerType]);
  const compile = (definition: FlowDefinition) => compileFlow(flowSchema.parse(definition) as Flow, registry);

  it("reports a field the node type's output does not have, with a suggestion, wherever the reference is", () => {
    const { compiled, issues } = compile({
      nodes: [
        { id: "answer", type: "answer" },
        { id: "copy", type: "set", inputs: { value: "${nodes.answer.output.contnet}" } },
        {
          id: "tokens",
          type: "set",
          when: "${nodes.answer.output.finishreason}",
          inputs: { value: "Tokens: ${nodes.answer.output.usage.totalTokenz}" },
        },
      ],
      outputs: { text: { nested: ["${nodes.answer.output.choices.0.txet}"] } },
    });
    expect(compiled).toBeUndefined();
    expect(issues).toEqual([
      {
        code: "flow.unknown-output-field",
        message:
          '${nodes.answer.output.contnet}: output of node "answer" (answer) has no field "contnet" (did you mean "content"?); expected one of content, finishReason, usage, choices, pair, meta, extra, maybe, either, tagged, both, loose, strict, tree, defaulted',
        path: "nodes[1].inputs.value",
        nodeId: "copy",
      },
      expect.objectContaining({
        code: "flow.unknown-output-field",
        message: expect.stringContaining('"totalTokenz" (did you mean "totalTokens"?)'),
        path: "nodes[2].inputs.value",
        nodeId: "tokens",
      }),
      expect.objectContaining({
        code: "flow.unknown-output-field",
        message: expect.stringContaining('(did you mean "finishReason"?)'),
        path: "nodes[2].when",
      }),
      expect.objectContaining({
        code: "flow.unknown-output-field",
        message: expect.stringContaining(
          'output.choices.0 of node "answer" (answer) has no field "txet" (did you mean "text"?); expected one of text',
        ),
        path: "outputs.text.nested[0]",
      }),
    ]);
  });

  it("says what a path tries to read fields of when that value has none", () => {
    const { issues } = compile({
      nodes: [
        { id: "answer", type: "answer" },
        { id: "a", type: "set", inputs: { value: "${nodes.answer.output.content.text}" } },
        { id: "b", type: "set", inputs: { value: "${nodes.answer.output.choices.first}" } },
      ],
    });
    expect(issues.map((issue) => issue.message)).toEqual([
      '${nodes.answer.output.content.text}: output.content of node "answer" (answer) is a string, which has no field "text"',
      '${nodes.answer.output.choices.first}: output.choices of node "answer" (answer) is an array: expected an index (0, 1, …), got "first"',
    ]);
  });

  it("cuts a long field name in the message", () => {
    const long = "x".repeat(500);
    const { issues } = compile({
      nodes: [
        { id: "answer", type: "answer" },
        { id: "a", type: "set", inputs: { value: `\${nodes.answer.output.usage.${long}}` } },
      ],
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).not.toContain("x".repeat(100));
    expect(issues[0]!.message.length).toBeLessThan(400);
  });

  it("accepts valid paths, and any path into a node type without an output schema", () => {
    const { compiled, issues } = compile({
      nodes: [
        { id: "answer", type: "answer" },
        { id: "plain", type: "set", inputs: { value: 1 } },
        {
          id: "reads",
          type: "set",
          inputs: {
            value: [
              "${nodes.answer.output}",
              "${nodes.answer.output.content}",
              "Used ${nodes.answer.output.usage.totalTokens} tokens",
              "${nodes.answer.output.choices.0.text}",
              "${nodes.answer.output.meta.anything}",
              "${nodes.plain.output.whatever.you.like}",
            ],
          },
        },
      ],
    });
    expect(issues).toEqual([]);
    expect(compiled).toBeDefined();
  });
});
