import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  expectSameAsZod,
  HOSTILE_KEYS,
  objectWith,
  valuesFor,
  wildValue,
} from "../test-support/schema-values.js";
import { CHECKS_BEFORE_COMPILING, checkWith } from "./check-with.js";
import { createEngine } from "./engine.js";
import { defineNodeType } from "./node-type/define-node-type.js";
import { Secret } from "./secrets/secret.js";

const fields = { name: z.string(), count: z.number().int().positive().optional(), tag: z.enum(["a", "b"]) };

/** Schemas of every kind the compiler handles, and of kinds it hands back to the interpreter. */
const EDGE_SCHEMAS: Record<string, z.ZodType> = {
  strip: z.object(fields),
  strict: z.object(fields).strict(),
  loose: z.object(fields).loose(),
  catchall: z.object(fields).catchall(z.number()),
  "catchall unknown": z.object({ a: z.string() }).catchall(z.unknown()),
  "hostile shape keys": z.object({ constructor: z.string().optional(), toString: z.number().optional() }),
  "__proto__ shape key": z.object(objectWith([["__proto__", z.string()]]) as z.ZodRawShape),
  numbers: z.object({
    any: z.number(),
    int: z.number().int().optional(),
    range: z.number().min(0).max(2).optional(),
    positive: z.number().positive().optional(),
  }),
  strings: z.object({ short: z.string().max(3), long: z.string().min(32_768).optional() }),
  literals: z.object({
    type: z.literal("azure-ai"),
    on: z.literal(true).optional(),
    none: z.null().optional(),
  }),
  nullable: z.object({ a: z.string().nullable(), b: z.number().nullable().optional() }),
  arrays: z.object({
    list: z.array(z.string()).min(1).max(3),
    nested: z.array(z.array(z.number())).optional(),
  }),
  union: z.union([z.string(), z.array(z.string()).max(4), z.object({ text: z.string() })]),
  "discriminated union": z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("a"), a: z.string() }).strict(),
    z.object({ kind: z.literal("b"), b: z.number() }),
  ]),
  "unknown and any": z.object({ value: z.unknown(), other: z.any().optional() }),
  "secret (custom)": z.object({ key: z.custom<Secret>((value) => value instanceof Secret) }),
  refinements: z
    .object({ endpoint: z.string().refine((text) => text.startsWith("https://"), "expected https") })
    .refine((input) => input.endpoint.length < 40, "too long"),
  "transforms and defaults": z.object({
    fields: z
      .union([z.string(), z.array(z.string())])
      .transform((value) => (typeof value === "string" ? [value] : value)),
    engine: z.enum(["google", "bing"]).default("google"),
    safe: z.boolean().prefault(false),
  }),
  record: z.record(z.string(), z.unknown()),
  "top-level array": z.array(z.object({ role: z.enum(["user", "system"]), content: z.string() })),
  "top-level string": z.string().min(1),
};

const HINTS = {
  strings: ["https://example.com", "https://example.com/a/much/longer/path/than/forty", "google", "a"],
};

describe("checkWith", () => {
  for (const [name, schema] of Object.entries(EDGE_SCHEMAS)) {
    it(`answers as zod does: ${name}`, () => {
      let valid = 0;
      fc.assert(
        fc.property(valuesFor(schema, HINTS), (value) => {
          if (expectSameAsZod(schema, value)) valid += 1;
        }),
        { numRuns: 400, seed: 20_260_101 },
      );
      expect(valid, "valid values reached the fast path").toBeGreaterThan(0);
    });
  }

  it("answers as zod does for wild values, against every schema", () => {
    fc.assert(
      fc.property(wildValue, (value) => {
        for (const schema of Object.values(EDGE_SCHEMAS)) expectSameAsZod(schema, value);
      }),
      { numRuns: 200, seed: 20_260_102 },
    );
  });

  it("keeps a __proto__ key from JSON out of every prototype, as zod does", () => {
    const hostile = JSON.parse(
      '{"name":"n","tag":"a","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    );
    for (const schema of Object.values(EDGE_SCHEMAS)) expectSameAsZod(schema, hostile);
    const loose = checkWith(EDGE_SCHEMAS.loose!, hostile, 0);
    expect(loose.success && Object.getPrototypeOf(loose.data)).toBe(Object.prototype);
    expect(loose.success && Object.keys(loose.data)).toEqual(["name", "tag", "constructor"]);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    for (const key of HOSTILE_KEYS) {
      expectSameAsZod(
        EDGE_SCHEMAS.catchall!,
        objectWith([
          ["name", "n"],
          ["tag", "b"],
          [key, 1],
        ]),
      );
      expectSameAsZod(EDGE_SCHEMAS.record!, objectWith([[key, { polluted: true }]]));
    }
  });

  it("gives a new object where zod does, and the input's own where zod keeps it", () => {
    const value = { nested: true };
    const input = { name: "n", tag: "a", extra: value };
    const strip = checkWith(EDGE_SCHEMAS.strip!, input, 0);
    expect(strip.success && strip.data).not.toBe(input);
    const unknown = checkWith(EDGE_SCHEMAS["unknown and any"]!, { value }, 0);
    expect(unknown.success && unknown.data.value).toBe(value);
  });

  it("reads each property of a valid value once, and throws what zod throws for a getter that throws", () => {
    let reads = 0;
    const counted = {
      tag: "a",
      get name() {
        reads += 1;
        return "n";
      },
    };
    expect(checkWith(EDGE_SCHEMAS.strip!, counted, 0)).toEqual({
      success: true,
      data: { name: "n", tag: "a" },
    });
    expect(reads).toBe(1);
    const throwing = {
      get name(): string {
        throw new Error("no name");
      },
    };
    expect(() => EDGE_SCHEMAS.strip!.safeParse(throwing)).toThrow("no name");
    expect(() => checkWith(EDGE_SCHEMAS.strip!, throwing, 0)).toThrow("no name");
  });

  it("falls back to zod for an invalid value: its issues, its message", () => {
    const schema = EDGE_SCHEMAS.refinements!;
    for (const value of [
      { endpoint: "http://x" },
      { endpoint: `https://${"x".repeat(40)}` },
      { endpoint: 1 },
      [],
    ]) {
      const checked = checkWith(schema, value, 0);
      const parsed = schema.safeParse(value);
      expect(checked.success).toBe(false);
      expect(checked.error?.message).toBe(parsed.error?.message);
      expect(checked.error?.issues).toEqual(parsed.error?.issues);
    }
  });

  it("runs a refinement once for a valid value", () => {
    let calls = 0;
    const schema = z.object({
      a: z.string().refine(() => {
        calls += 1;
        return true;
      }),
    });
    expect(checkWith(schema, { a: "x" }, 0).success).toBe(true);
    expect(calls).toBe(1);
  });

  it("uses zod's interpreter for a schema's first checks, then its compiled parser, with the same answers", () => {
    let calls = 0;
    const schema = z.object({
      name: z.string(),
      code: z.string().refine((code) => {
        calls += 1;
        return code !== "bad";
      }, "bad code"),
    });
    const valid = { name: "n", code: "ok", extra: 1 };
    const invalid = { name: "n", code: "bad" };
    const expected = schema.safeParse(invalid).error?.message;
    calls = 0;
    expect(checkWith(schema, invalid).error?.message).toBe(expected);
    expect(calls, "the interpreter alone").toBe(1);
    for (let check = 1; check < CHECKS_BEFORE_COMPILING; check += 1) checkWith(schema, valid);
    calls = 0;
    expect(checkWith(schema, invalid).error?.message).toBe(expected);
    // The compiled parser refuses the value, then the interpreter says why.
    expect(calls, "the compiled parser, then the interpreter").toBe(2);
    expect(checkWith(schema, valid)).toEqual(schema.safeParse(valid));
  });

  it("leaves a schema that holds one of another zod version to zod's interpreter", () => {
    let calls = 0;
    const field = z.string().refine(() => {
      calls += 1;
      return false;
    }, "never");
    const foreign = z.object({ name: z.string() });
    Object.assign(foreign._zod, { version: { major: 4, minor: 0, patch: 0 } });
    const schema = z.object({ field, nested: z.array(foreign).optional() });
    const checked = checkWith(schema, { field: "x", nested: [{ name: "n" }] }, 0);
    expect(calls).toBe(1);
    expect(checked.error?.message).toBe(
      schema.safeParse({ field: "x", nested: [{ name: "n" }] }).error?.message,
    );
    expectSameAsZod(schema, { field: "x" });
  });

  describe("when an app turns zod's code generation off", () => {
    afterEach(() => {
      z.config({ jitless: false });
    });

    it("keeps zod's interpreter: a refinement runs once for an invalid value too", () => {
      z.config({ jitless: true });
      let calls = 0;
      const schema = z.object({
        a: z.string().refine(() => {
          calls += 1;
          return false;
        }, "never"),
      });
      const checked = checkWith(schema, { a: "x" }, 0);
      expect(calls).toBe(1);
      expect(checked.success).toBe(false);
      expect(checked.error?.message).toBe(schema.safeParse({ a: "x" }).error?.message);
    });
  });

  it("leaves a node's invalid input reported in zod's words", async () => {
    const count = defineNodeType({
      type: "count",
      description: "Takes a positive whole count.",
      input: z.object({ count: z.number().int().positive(), key: z.instanceof(Secret).optional() }).strict(),
      run: (input) => input.count,
    });
    const engine = createEngine({ nodeTypes: [count] });
    const flow = (value: string) => ({
      inputs: { n: { type: "number" as const } },
      nodes: [{ id: "c", type: "count", inputs: { count: value } }],
    });
    const ok = await engine.run(flow("${inputs.n}"), { inputs: { n: 3 } }).result;
    expect(ok.nodes.c?.output).toBe(3);
    const failed = await engine.run(flow("${inputs.n}"), { inputs: { n: 2.5 } }).result;
    const expected = count.input.safeParse({ count: 2.5 }).error?.issues[0]?.message;
    expect(failed.nodes.c?.error?.message).toBe(`invalid input for count: inputs.count: ${expected}`);
  });
});
