import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createEngine, type ValidationIssue } from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import { describe, expect, it } from "vitest";

/** One issue a fixture expects: the code, where, and words the message must contain. */
interface ExpectedIssue {
  code: string;
  path?: string;
  nodeId?: string;
  line?: number;
  column?: number;
  messageIncludes: string;
}

const FIXTURES = join(import.meta.dirname, "fixtures", "invalid");
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const engine = createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds });

function matches(actual: ValidationIssue, expected: ExpectedIssue): boolean {
  return (
    actual.code === expected.code &&
    (expected.path === undefined || actual.path === expected.path) &&
    (expected.nodeId === undefined || actual.nodeId === expected.nodeId) &&
    (expected.line === undefined || actual.line === expected.line) &&
    (expected.column === undefined || actual.column === expected.column) &&
    actual.message.includes(expected.messageIncludes)
  );
}

describe("invalid flow fixtures", () => {
  it("has a folder per broken-flow case", () => {
    expect(cases.length).toBeGreaterThanOrEqual(17);
  });

  it.each(cases)("%s: reports exactly the expected issues", (name) => {
    const text = readFileSync(join(FIXTURES, name, "flow.json"), "utf8");
    const expected = JSON.parse(
      readFileSync(join(FIXTURES, name, "expected.json"), "utf8"),
    ) as ExpectedIssue[];
    expect(expected.length).toBeGreaterThan(0);

    const issues = engine.validate(text);
    const unmatched = [...issues];
    for (const want of expected) {
      const index = unmatched.findIndex((issue) => matches(issue, want));
      expect(
        index,
        `expected ${JSON.stringify(want)} among ${JSON.stringify(issues, null, 2)}`,
      ).toBeGreaterThanOrEqual(0);
      unmatched.splice(index, 1);
    }
    // Nothing reported twice or beyond what the case is about.
    expect(unmatched).toEqual([]);
  });

  it.each(cases)("%s: refuses to compile or run, with every issue in the error", (name) => {
    const text = readFileSync(join(FIXTURES, name, "flow.json"), "utf8");
    const issues = engine.validate(text);
    expect(() => engine.run(text)).toThrow(
      expect.objectContaining({ code: "flow.invalid", issues: expect.arrayContaining(issues) }),
    );
  });
});
