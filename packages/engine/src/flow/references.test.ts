import { describe, expect, it } from "vitest";
import { evaluateTemplate } from "./compile-template.js";
import {
  collectReferencePaths,
  collectReferences,
  parseReference,
  parseString,
  parseTemplate,
  type Reference,
  type ReferenceProblem,
  type ReferenceResolver,
  readPath,
  stringifyForInterpolation,
  type Template,
} from "./references.js";

/** Resolves references against plain data, interpolating the way a run does for non-secret values. */
function resolverOver(data: {
  inputs?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  nodes?: Record<string, unknown>;
}): ReferenceResolver {
  return {
    resolve(reference: Reference) {
      const root =
        reference.scope === "nodes"
          ? data.nodes?.[reference.nodeId]
          : reference.scope === "vars"
            ? data.vars?.[reference.name]
            : data.inputs?.[reference.name];
      return readPath(root, reference.path);
    },
    interpolate: (parts) => parts.map(stringifyForInterpolation).join(""),
  };
}

/** Parses a value and fails the test if it has reference problems. */
function parse(value: unknown): Template {
  const problems: ReferenceProblem[] = [];
  const template = parseTemplate(value, "inputs", problems);
  expect(problems).toEqual([]);
  return template;
}

function evaluate(value: unknown, data: Parameters<typeof resolverOver>[0]): unknown {
  return evaluateTemplate(parse(value), resolverOver(data));
}

describe("parseReference", () => {
  it("parses inputs, vars and node outputs with their paths", () => {
    expect(parseReference("inputs.question")).toEqual({
      scope: "inputs",
      name: "question",
      path: [],
      source: "${inputs.question}",
    });
    expect(parseReference("vars.customerConnection")).toMatchObject({
      scope: "vars",
      name: "customerConnection",
      path: [],
    });
    expect(parseReference("nodes.answer.output")).toMatchObject({
      scope: "nodes",
      nodeId: "answer",
      path: [],
    });
    expect(parseReference("nodes.answer.output.usage.totalTokens")).toMatchObject({
      scope: "nodes",
      nodeId: "answer",
      path: ["usage", "totalTokens"],
    });
    expect(parseReference("nodes.list.output.items.0.text")).toMatchObject({
      path: ["items", "0", "text"],
    });
  });

  it("accepts spaces around the reference", () => {
    expect(parseReference(" inputs.x ")).toMatchObject({ scope: "inputs", name: "x" });
  });

  it.each([
    ["foo.x", "expected ${inputs.<name>}, ${vars.<name>} or ${nodes.<id>.output"],
    ["inputs", "expected ${inputs.<name>}"],
    ["vars", "expected ${inputs.<name>}"],
    ["", "invalid reference ${}"],
    ["inputs..x", "invalid reference ${inputs..x}"],
    ["inputs.x y", "invalid reference ${inputs.x y}"],
    ["nodes.a", "expected ${nodes.a.output} or a path below it"],
    ["nodes.a.result", "expected ${nodes.a.output} or a path below it"],
    ["nodes", "invalid reference ${nodes}"],
  ])("rejects ${%s} with a message that says what was expected", (body, message) => {
    const result = parseReference(body);
    expect(typeof result).toBe("string");
    expect(result).toContain(message);
  });
});

describe("parseString", () => {
  const parseOne = (text: string) => {
    const problems: ReferenceProblem[] = [];
    const template = parseString(text, "nodes[0].inputs.value", problems);
    return { template, problems };
  };

  it("keeps a string without references as the same literal", () => {
    expect(parseOne("plain text, $5 and {braces}")).toEqual({
      template: { kind: "literal", value: "plain text, $5 and {braces}" },
      problems: [],
    });
  });

  it("makes a string that is exactly one reference a reference", () => {
    expect(parseOne("${inputs.count}").template).toMatchObject({
      kind: "reference",
      reference: { scope: "inputs", name: "count" },
    });
  });

  it("makes text around references an interpolation", () => {
    const { template } = parseOne("Hello ${vars.name}, you have ${inputs.n} seats.");
    expect(template.kind).toBe("interpolation");
    if (template.kind !== "interpolation") return;
    expect(template.parts.map((part) => (typeof part === "string" ? part : part.source))).toEqual([
      "Hello ",
      "${vars.name}",
      ", you have ",
      "${inputs.n}",
      " seats.",
    ]);
  });

  it("treats two adjacent references as an interpolation, not a single reference", () => {
    expect(parseOne("${inputs.a}${inputs.b}").template.kind).toBe("interpolation");
  });

  it("turns $${ into a literal ${ and does not parse what follows as a reference", () => {
    expect(parseOne("costs $${inputs.price}")).toEqual({
      template: { kind: "literal", value: "costs ${inputs.price}" },
      problems: [],
    });
  });

  it("mixes escapes and references", () => {
    const { template } = parseOne("$${literal} and ${inputs.x}");
    expect(evaluateTemplate(template, resolverOver({ inputs: { x: 7 } }))).toBe("${literal} and 7");
  });

  it("reports an unclosed ${ with the path and keeps the text as a literal", () => {
    const { template, problems } = parseOne("Hello ${inputs.name");
    expect(template).toEqual({ kind: "literal", value: "Hello ${inputs.name" });
    expect(problems).toEqual([
      {
        path: "nodes[0].inputs.value",
        message: 'unclosed reference in "Hello ${inputs.name": expected a closing "}"',
      },
    ]);
  });

  it.each(["${foo.x}", "${nodes.a}", "${inputs}", "x ${nodes.a.outputs} y"])(
    "reports the invalid reference in %s",
    (text) => {
      const { template, problems } = parseOne(text);
      expect(template.kind).toBe("literal");
      expect(problems).toHaveLength(1);
      expect(problems[0]!.path).toBe("nodes[0].inputs.value");
      expect(problems[0]!.message).toMatch(/^invalid reference \$\{/);
    },
  );
});

describe("parseTemplate", () => {
  it("returns the very same value for JSON without references (the fast path)", () => {
    const value = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], n: 1, stream: null };
    const template = parseTemplate(value, "inputs", []);
    expect(template.kind).toBe("literal");
    expect(template.kind === "literal" && template.value).toBe(value);
  });

  it("finds references in nested arrays and objects, with their JSON paths in problems", () => {
    const problems: ReferenceProblem[] = [];
    const template = parseTemplate(
      {
        messages: [
          { role: "system", content: "Answer briefly." },
          { role: "user", content: "${inputs.question}" },
          { role: "user", content: "${inputs" },
        ],
      },
      "nodes[2].inputs",
      problems,
    );
    expect(collectReferences(template).map((reference) => reference.source)).toEqual(["${inputs.question}"]);
    expect(problems.map((problem) => problem.path)).toEqual(["nodes[2].inputs.messages[2].content"]);
  });

  it("collects every reference in order", () => {
    const template = parse({
      a: "${inputs.a}",
      b: ["x ${vars.b} ${nodes.c.output.d}", { e: "${nodes.e.output}" }],
    });
    expect(collectReferences(template).map((reference) => reference.source)).toEqual([
      "${inputs.a}",
      "${vars.b}",
      "${nodes.c.output.d}",
      "${nodes.e.output}",
    ]);
  });

  it("gives the JSON path of the string each reference is in", () => {
    const template = parse({
      a: "${inputs.a}",
      b: ["x ${vars.b} ${nodes.c.output}", { e: "${nodes.e.output}" }],
    });
    expect(
      collectReferencePaths(template, "nodes[0].inputs").map(
        ({ reference, path }) => `${path} ${reference.source}`,
      ),
    ).toEqual([
      "nodes[0].inputs.a ${inputs.a}",
      "nodes[0].inputs.b[0] ${vars.b}",
      "nodes[0].inputs.b[0] ${nodes.c.output}",
      "nodes[0].inputs.b[1].e ${nodes.e.output}",
    ]);
  });

  it("applies $${ escapes inside objects and arrays too", () => {
    expect(evaluate({ text: "price: $${amount}", list: ["$${a}", "b"] }, {})).toEqual({
      text: "price: ${amount}",
      list: ["${a}", "b"],
    });
  });

  it("keeps numbers, booleans and null as they are", () => {
    expect(evaluate([1, true, null, { n: 2.5 }], {})).toEqual([1, true, null, { n: 2.5 }]);
  });
});

describe("evaluateTemplate", () => {
  const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };
  const data = {
    inputs: { count: 3, flag: false, question: "Why?", nothing: null, config: { depth: 2, tags: ["a"] } },
    vars: { list: [{ text: "first" }, { text: "second" }] },
    nodes: { answer: { content: "Because.", usage } },
  };

  it("keeps the type of a value a string references exactly", () => {
    expect(evaluate("${inputs.count}", data)).toBe(3);
    expect(evaluate("${inputs.flag}", data)).toBe(false);
    expect(evaluate("${inputs.nothing}", data)).toBeNull();
    expect(evaluate("${nodes.answer.output.usage}", data)).toBe(usage);
    expect(evaluate("${vars.list}", data)).toBe(data.vars.list);
  });

  it("follows deep paths and array indices", () => {
    expect(evaluate("${nodes.answer.output.usage.totalTokens}", data)).toBe(15);
    expect(evaluate("${vars.list.1.text}", data)).toBe("second");
    expect(evaluate("${inputs.config.tags.0}", data)).toBe("a");
  });

  it("gives undefined for a path that leads nowhere", () => {
    expect(evaluate("${nodes.answer.output.missing.deeper}", data)).toBeUndefined();
    expect(evaluate("${vars.list.9.text}", data)).toBeUndefined();
    expect(evaluate("${inputs.count.toFixed}", data)).toBeUndefined();
  });

  it("interpolates numbers and booleans as text, objects and arrays as JSON", () => {
    expect(evaluate("n=${inputs.count} flag=${inputs.flag}", data)).toBe("n=3 flag=false");
    expect(evaluate("config: ${inputs.config}", data)).toBe('config: {"depth":2,"tags":["a"]}');
    expect(evaluate("tags: ${inputs.config.tags}", data)).toBe('tags: ["a"]');
  });

  it("interpolates null and undefined as empty text", () => {
    expect(evaluate("[${inputs.nothing}]", data)).toBe("[]");
    expect(evaluate("[${inputs.absent}]", data)).toBe("[]");
  });

  it("evaluates references inside nested arrays and objects", () => {
    expect(
      evaluate(
        {
          model: "gpt-4o-mini",
          messages: [
            { role: "system", content: "Answer briefly." },
            { role: "user", content: "${inputs.question}" },
          ],
          maxTokens: "${inputs.count}",
          note: "asked ${inputs.count} times",
        },
        data,
      ),
    ).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "Why?" },
      ],
      maxTokens: 3,
      note: "asked 3 times",
    });
  });
});

describe("readPath", () => {
  it("reads object keys and array indices", () => {
    expect(readPath({ a: [{ b: 1 }, { b: 2 }] }, ["a", "1", "b"])).toBe(2);
    expect(readPath({ a: 1 }, [])).toEqual({ a: 1 });
  });

  it("gives undefined through primitives, null and missing keys", () => {
    expect(readPath({ a: null }, ["a", "b"])).toBeUndefined();
    expect(readPath({ a: "text" }, ["a", "length"])).toBeUndefined();
    expect(readPath(undefined, ["a"])).toBeUndefined();
    expect(readPath([1, 2], ["x"])).toBeUndefined();
  });
});
