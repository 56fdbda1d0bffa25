import { describe, expect, it } from "vitest";
import { compileTestFlow, compileValidFlow } from "../../test-support/test-node-types.js";
import type { Reference, ReferenceResolver } from "../flow/references.js";
import type { FlowNode } from "../flow/schema.js";
import { Secret } from "../secrets/secret.js";
import { findUnmetCondition, isTruthyCondition } from "./when-condition.js";

/** Resolves `${inputs.x}` from a map; interpolation joins text (secrets revealed, as a run would wrap them). */
function resolverOf(inputs: Record<string, unknown>): ReferenceResolver {
  return {
    resolve: (reference: Reference) => (reference.scope === "inputs" ? inputs[reference.name] : undefined),
    interpolate: (parts) =>
      parts.map((part) => (part instanceof Secret ? part.reveal() : String(part))).join(""),
  };
}

/** The skip reason of a one-node flow with this `when`, given the run's inputs. */
function reasonFor(when: FlowNode["when"], inputs: Record<string, unknown>): string | undefined {
  const flow = compileValidFlow({
    inputs: { action: { type: "string" }, limit: { type: "number" }, expected: { type: "string" } },
    nodes: [{ id: "chat", type: "set", when }],
  });
  return findUnmetCondition(flow.nodes[0]!.when!, resolverOf(inputs));
}

describe("when comparisons", () => {
  const value = "${inputs.action}";

  it("is: runs the node only when the value equals", () => {
    expect(reasonFor({ value, is: "Accept" }, { action: "Accept" })).toBeUndefined();
    expect(reasonFor({ value, is: "Accept" }, { action: "Reject" })).toBe(
      'when ${inputs.action} is "Accept" (was "Reject")',
    );
    expect(reasonFor({ value: "${inputs.limit}", is: 3 }, { limit: 3 })).toBeUndefined();
    expect(reasonFor({ value: "${inputs.limit}", is: 3 }, { limit: "3" })).toBe(
      'when ${inputs.limit} is 3 (was "3")',
    );
  });

  it("not: runs the node only when the value differs", () => {
    expect(reasonFor({ value, not: "Reject" }, { action: "Accept" })).toBeUndefined();
    expect(reasonFor({ value, not: "Reject" }, { action: "Reject" })).toBe(
      'when ${inputs.action} is not "Reject" (was "Reject")',
    );
  });

  it("in: runs the node only when the value equals one of the list", () => {
    const when = { value, in: ["Accept", "Review"] };
    expect(reasonFor(when, { action: "Review" })).toBeUndefined();
    expect(reasonFor(when, { action: "Reject" })).toBe(
      'when ${inputs.action} is one of ["Accept", "Review"] (was "Reject")',
    );
  });

  it("compares arrays and objects by deep equality, and a missing value as null", () => {
    const flow = compileValidFlow({
      nodes: [
        { id: "source", type: "set", inputs: { value: { tags: ["a", "b"], score: 2 } } },
        {
          id: "same",
          type: "set",
          when: { value: "${nodes.source.output}", is: { score: 2, tags: ["a", "b"] } },
        },
        { id: "order", type: "set", when: { value: "${nodes.source.output.tags}", is: ["b", "a"] } },
        { id: "missing", type: "set", when: { value: "${nodes.source.output.nope}", is: null } },
      ],
    });
    const resolver: ReferenceResolver = {
      resolve: (reference) => {
        const output: Record<string, unknown> = { tags: ["a", "b"], score: 2 };
        return reference.path.length === 0 ? output : output[reference.path[0]!];
      },
      interpolate: (parts) => parts.join(""),
    };
    const reason = (id: string) => findUnmetCondition(flow.byId.get(id)!.when!, resolver);
    expect(reason("same")).toBeUndefined();
    expect(reason("order")).toBe('when ${nodes.source.output.tags} is ["b", "a"] (was ["a", "b"])');
    expect(reason("missing")).toBeUndefined();
  });

  it("compares with references, and interpolated text", () => {
    expect(reasonFor({ value, is: "${inputs.expected}" }, { action: "go", expected: "go" })).toBeUndefined();
    expect(reasonFor({ value, is: "${inputs.expected}" }, { action: "go", expected: "stop" })).toBe(
      'when ${inputs.action} is "${inputs.expected}" (was "go")',
    );
    expect(
      reasonFor({ value: "${inputs.action}/${inputs.limit}", is: "go/3" }, { action: "go", limit: 3 }),
    ).toBe(undefined);
  });

  it("never shows a secret: neither the value nor what it was compared with", () => {
    const canary = "sk-CANARY-when-4711";
    const secret = { action: new Secret(canary) };
    expect(reasonFor({ value, is: "gold" }, secret)).toBe(
      "when ${inputs.action} is *** (was ***: a secret is not shown)",
    );
    expect(reasonFor({ value, not: canary }, secret)).toBe(
      "when ${inputs.action} is not *** (was ***: a secret is not shown)",
    );
    expect(reasonFor({ value, in: ["gold", `${canary}!`] }, secret)).toBe(
      "when ${inputs.action} is one of *** (was ***: a secret is not shown)",
    );
    expect(reasonFor({ value, is: canary }, secret)).toBeUndefined();
    expect(reasonFor({ value, in: ["gold", canary] }, secret)).toBeUndefined();
    // A secret on the other side, through a reference: the same.
    expect(
      reasonFor({ value, is: "${inputs.expected}" }, { action: "x", expected: new Secret(canary) }),
    ).toBe("when ${inputs.action} is *** (was ***: a secret is not shown)");
  });

  it("keeps the reason short, whatever was compared", () => {
    const huge = "x".repeat(1_000_000);
    const reason = reasonFor({ value, in: [huge, huge, huge, huge] }, { action: huge.slice(1) })!;
    expect(reason.length).toBeLessThan(500);
    expect(reason).toContain("(999999 characters)");
  });

  it("cuts a huge value as written too, in the reason and in the issue that refuses it", () => {
    const huge = "y".repeat(1_000_000);
    const reason = reasonFor({ value: `${huge}\${inputs.action}`, is: "go" }, { action: "stop" })!;
    expect(reason.length).toBeLessThan(500);
    expect(reason).toContain('… (1000016 characters) is "go"');
    const { issues } = compileTestFlow({ nodes: [{ id: "a", type: "set", when: { value: huge, is: 1 } }] });
    expect(issues.map((issue) => issue.code)).toEqual(["flow.when"]);
    expect(issues[0]!.message.length).toBeLessThan(300);
    expect(issues[0]!.message).toContain("(1000000 characters)");
  });

  it("keeps the string and boolean forms: truthiness", () => {
    expect(reasonFor("${inputs.action}", { action: "yes" })).toBeUndefined();
    expect(reasonFor("${inputs.action}", { action: "false" })).toBe("its condition (when) was false");
    expect(reasonFor(false, {})).toBe("its condition (when) was false");
    expect(reasonFor(true, {})).toBeUndefined();
  });
});

describe("when comparisons at compile time", () => {
  it("depend on the nodes their value and operands read, labelled as data they read", () => {
    const flow = compileValidFlow({
      nodes: [
        { id: "moderate", type: "set", inputs: { value: { suggestedAction: "Accept" } } },
        { id: "expected", type: "set", inputs: { name: "expected", value: "Accept" } },
        {
          id: "chat",
          type: "set",
          when: { value: "${nodes.moderate.output.suggestedAction}", in: ["${vars.expected}", "Review"] },
        },
      ],
    });
    const chat = flow.byId.get("chat")!;
    expect(chat.dataDependencies.map((index) => flow.nodes[index]!.id).sort()).toEqual([
      "expected",
      "moderate",
    ]);
  });

  it("refuses a value with no reference, and names unknown nodes, inputs and variables where they are", () => {
    const { issues } = compileTestFlow({
      nodes: [
        { id: "a", type: "set", when: { value: "Accept", is: "Accept" } },
        { id: "b", type: "set", when: { value: "${nodes.nope.output}", not: 1 } },
        { id: "c", type: "set", when: { value: "${vars.v}", in: [1, "${inputs.missing}"] } },
        { id: "d", type: "set", when: { value: "${inputs.x", is: 1 } },
      ],
    });
    expect(issues.map((issue) => [issue.code, issue.path, issue.nodeId])).toEqual([
      ["flow.when", "nodes[0].when.value", "a"],
      ["flow.unknown-node", "nodes[1].when.value", "b"],
      ["flow.unknown-variable", "nodes[2].when.value", "c"],
      ["flow.unknown-input", "nodes[2].when.in[1]", "c"],
      ["flow.reference", "nodes[3].when.value", "d"],
    ]);
    expect(issues[0]!.message).toBe(
      'expected a reference to compare, such as "${nodes.<id>.output.<field>}" or "${inputs.<name>}", got "Accept"',
    );
  });

  it("finds a cycle through a comparison", () => {
    const { issues } = compileTestFlow({
      nodes: [
        { id: "a", type: "set", when: { value: "${nodes.b.output}", is: 1 } },
        { id: "b", type: "set", inputs: { value: "${nodes.a.output}" } },
      ],
    });
    expect(issues.map((issue) => issue.code)).toEqual(["flow.cycle"]);
  });
});

describe("isTruthyCondition", () => {
  it.each([
    [true, true],
    [1, true],
    ["yes", true],
    ["0", true],
    [{}, true],
    [[], true],
    [false, false],
    [null, false],
    [undefined, false],
    [0, false],
    ["", false],
    ["false", false],
    ["FALSE", false],
  ])("%j → %s", (value, expected) => {
    expect(isTruthyCondition(value)).toBe(expected);
  });
});
