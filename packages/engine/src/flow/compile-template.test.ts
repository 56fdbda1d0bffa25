import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  evaluateCompiled,
  evaluateTemplate,
  type TemplateScope,
} from "./compile-template.js";
import {
  parseTemplate,
  type Reference,
  type ReferenceProblem,
  readPath,
  stringifyForInterpolation,
} from "./references.js";

const ids = ["first", "second"];
const data = {
  inputs: { question: "What is a DAG?", n: 3 } as Record<string, unknown>,
  vars: { endpoint: { host: "example.test", ports: [443, 8443] } } as Record<string, unknown>,
  outputs: [{ text: "one", list: ["a", "b"] }, 42] as unknown[],
};

/** A scope over plain data, reading outputs by index as a run does, and by id for `resolve`. */
const scope: TemplateScope = {
  output: (index) => data.outputs[index],
  resolve(reference: Reference) {
    const root =
      reference.scope === "nodes"
        ? data.outputs[ids.indexOf(reference.nodeId)]
        : reference.scope === "vars"
          ? data.vars[reference.name]
          : data.inputs[reference.name];
    return readPath(root, reference.path);
  },
  interpolate: (parts) => `<${parts.map(stringifyForInterpolation).join("")}>`,
};

function both(value: unknown): { compiled: unknown; walked: unknown } {
  const problems: ReferenceProblem[] = [];
  const template = parseTemplate(value, "inputs", problems);
  expect(problems).toEqual([]);
  return {
    compiled: evaluateCompiled(
      compileTemplate(template, (id) => ids.indexOf(id)),
      scope,
    ),
    walked: evaluateTemplate(template, scope),
  };
}

describe("compileTemplate", () => {
  it.each([
    ["a literal", { model: "gpt-4o-mini", temperature: 0 }],
    ["a whole reference", "${inputs.n}"],
    ["a node output by index", "${nodes.second.output}"],
    ["a path below a node output", "${nodes.first.output.list.1}"],
    ["a path that leads nowhere", "${nodes.second.output.missing}"],
    ["an interpolation", "Q: ${inputs.question} (${vars.endpoint.host}:${vars.endpoint.ports.0})"],
    [
      "nested objects and arrays",
      { after: ["${nodes.first.output}", "${nodes.second.output}", 7], meta: { q: "${inputs.question}" } },
    ],
    ["an escaped reference", { text: "$${inputs.n} is ${inputs.n}" }],
    [
      "interpolations inside arrays inside objects",
      { a: ["${inputs.n}-x", { b: "${nodes.first.output.text}!" }] },
    ],
    ["empty arrays and objects", { a: [], b: {}, c: ["${inputs.n}", []] }],
  ])("reads node outputs by index as by reference: %s", (_name, value) => {
    const { compiled, walked } = both(value);
    expect(compiled).toEqual(walked);
  });

  it("keeps a __proto__ key an own data property, never the prototype", () => {
    const value = JSON.parse('{"__proto__": {"polluted": "${inputs.question}"}, "n": "${inputs.n}"}');
    const { compiled } = both(value);
    expect(Object.getPrototypeOf(compiled)).toBe(Object.prototype);
    expect(Object.hasOwn(compiled as object, "__proto__")).toBe(true);
    expect((compiled as Record<string, unknown>).n).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("makes new objects and arrays on every evaluation", () => {
    const problems: ReferenceProblem[] = [];
    const code = compileTemplate(parseTemplate({ after: ["${inputs.n}"] }, "inputs", problems), () => 0);
    const evaluate = (on: TemplateScope) => evaluateCompiled(code, on);
    const first = evaluate(scope) as { after: unknown[] };
    first.after.push("changed");
    expect(evaluate(scope)).toEqual({ after: [3] });
  });
});
