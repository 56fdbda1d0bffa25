import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineConnectionKind, secretField } from "../connection-kind/define-connection-kind.js";
import { createEngine } from "../engine.js";
import { bindNodeTypes } from "./bind-node-types.js";
import { type AnyConnectionKind, type AnyNodeType, defineNodeType } from "./define-node-type.js";

const kind = (type: string) =>
  defineConnectionKind({
    type,
    description: `${type} service`,
    fields: z.object({ apiKey: secretField(), url: z.string() }),
    label: () => type,
    identity: (connection) => [connection.url],
  });
const alpha = kind("alpha");
const beta = kind("beta");

/** A node type whose inputs are one object per kind, picked by a literal `type`. */
function perKind(kinds: readonly AnyConnectionKind[]): AnyNodeType {
  const options = kinds.map((k) =>
    z.object({ type: z.literal(k.type), url: z.string().url(), variable: z.string() }).strict(),
  );
  return defineNodeType({
    type: "make",
    description: "Makes a connection of any kind.",
    input:
      options.length > 0
        ? z.discriminatedUnion("type", options as [z.ZodObject, ...z.ZodObject[]])
        : z.never(),
    writes: { input: "variable" },
    forConnectionKinds: perKind,
    run: (input) => input,
  });
}
const reader = defineNodeType({
  type: "read",
  description: "Reads beta.",
  input: z.object({}),
  connectionKinds: [beta],
  run: () => null,
});

describe("bindNodeTypes", () => {
  it("builds node types for the kinds given and those other node types bring, once each", () => {
    const seen: string[][] = [];
    const spy = defineNodeType({
      ...perKind([]),
      forConnectionKinds: (kinds) => {
        seen.push(kinds.map((k) => k.type));
        return perKind(kinds);
      },
    });
    const bound = bindNodeTypes([spy, reader], [alpha, beta]);
    expect(seen).toEqual([["alpha", "beta"]]);
    expect(bound[1]).toBe(reader);
    expect(bindNodeTypes([reader], [alpha])).toEqual([reader]);
  });

  it("lets an engine check a union's inputs by its literal discriminator, with suggestions", () => {
    const engine = createEngine({ nodeTypes: [perKind([]), reader], connectionKinds: [alpha] });
    const node = (inputs: Record<string, unknown>) => ({
      inputs: { u: { type: "string" as const }, t: { type: "string" as const } },
      nodes: [{ id: "m", type: "make", inputs }],
    });
    expect(engine.validate(node({ type: "alpha", url: "https://a.example.com", variable: "v" }))).toEqual([]);
    expect(engine.validate(node({ type: "beta", url: "${inputs.u}", variable: "v" }))).toEqual([]);
    expect(engine.validate(node({ type: "alpah", url: "https://a.example.com", variable: "v" }))).toEqual([
      expect.objectContaining({
        code: "flow.invalid-input",
        path: "nodes[0].inputs.type",
        message: 'invalid input for make: unknown type "alpah": expected one of alpha, beta',
      }),
    ]);
    expect(engine.validate(node({ type: "beta", url: "${inputs.u}", urll: 1, variable: "v" }))).toEqual([
      expect.objectContaining({ code: "flow.unknown-node-input", path: "nodes[0].inputs.urll" }),
    ]);
    expect(engine.validate(node({ type: "beta", variable: "v" }))).toEqual([
      expect.objectContaining({ path: "nodes[0].inputs.url" }),
    ]);
    expect(engine.validate(node({ type: "${inputs.t}", variable: "v" }))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('"type" must be written literally') }),
    ]);
    expect(engine.validate(node({ url: "x", variable: "v" }))).toEqual([
      expect.objectContaining({
        code: "flow.missing-input",
        message: 'missing required input "type" for node type "make": one of 2, such as "alpha", "beta"',
      }),
    ]);
  });
});
