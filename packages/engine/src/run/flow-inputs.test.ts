import { describe, expect, it } from "vitest";
import { createHarness } from "../../test-support/run-harness.js";
import { FlowError } from "../errors/flow-error.js";
import type { FlowDefinition } from "../flow/schema.js";
import { SECRET_MASK, Secret } from "../secrets/secret.js";
import { coerceInputText } from "./flow-inputs.js";

const flow: FlowDefinition = {
  inputs: {
    question: { type: "string" },
    seats: { type: "number", default: 3 },
    verbose: { type: "boolean", default: false },
    config: { type: "object", default: {} },
    tags: { type: "array", default: [] },
    apiKey: { type: "secret", default: "default-key-value" },
  },
  nodes: [{ id: "echo", type: "step", inputs: { value: "${inputs.question}" } }],
  outputs: {
    question: "${inputs.question}",
    seats: "${inputs.seats}",
    verbose: "${inputs.verbose}",
    config: "${inputs.config}",
    tags: "${inputs.tags}",
  },
};

/** The `input.invalid` error a run with these inputs throws before it starts. */
function inputError(inputs: Record<string, unknown>, definition: FlowDefinition = flow): FlowError {
  const harness = createHarness();
  try {
    harness.engine.run(definition, { inputs });
  } catch (error) {
    expect(error).toBeInstanceOf(FlowError);
    expect((error as FlowError).code).toBe("input.invalid");
    return error as FlowError;
  }
  throw new Error("expected the run to be refused");
}

describe("run inputs", () => {
  it("applies defaults and keeps given values with their types", async () => {
    const result = await createHarness().engine.run(flow, {
      inputs: { question: "Why?", config: { depth: 2 } },
    });
    expect(result.outputs).toEqual({
      question: "Why?",
      seats: 3,
      verbose: false,
      config: { depth: 2 },
      tags: [],
    });
  });

  it("names every missing required input, with its type", () => {
    const definition: FlowDefinition = {
      inputs: { question: { type: "string" }, count: { type: "number" }, optional: { default: "x" } },
      nodes: [],
    };
    expect(inputError({}, definition).message).toBe(
      'missing required inputs: "question" (string), "count" (number)',
    );
    expect(inputError({ question: "q" }, definition).message).toBe(
      'missing required input: "count" (number)',
    );
  });

  it("says what was expected for a value of the wrong type", () => {
    expect(inputError({ question: "q", seats: "3" }).message).toBe(
      'input "seats": expected a number, got "3"',
    );
    expect(inputError({ question: 42 }).message).toBe('input "question": expected a string, got 42');
    expect(inputError({ question: "q", verbose: "yes" }).message).toBe(
      'input "verbose": expected true or false, got "yes"',
    );
    expect(inputError({ question: "q", config: [] }).message).toBe(
      'input "config": expected a JSON object, got an array',
    );
    expect(inputError({ question: "q", tags: {} }).message).toBe(
      'input "tags": expected a JSON array, got an object',
    );
    expect(inputError({ question: "q", seats: Number.NaN }).message).toContain("expected a number");
  });

  it("takes a Secret only for a secret input, not as a JSON object", () => {
    expect(inputError({ question: "q", config: new Secret("s3cret-value") }).message).toMatch(
      /^input "config": expected a JSON object, got /,
    );
  });

  it("never prints the value given for a secret input", () => {
    const message = inputError({ question: "q", apiKey: { key: "structured-CANARY-789" } }).message;
    expect(message).toBe('input "apiKey": expected a string, got object');
  });

  it("refuses inputs the flow does not declare, listing the declared ones", () => {
    expect(inputError({ question: "q", questoin: "typo" }).message).toBe(
      'unknown input "questoin": expected one of question, seats, verbose, config, tags, apiKey; did you mean "question"?',
    );
    expect(inputError({ anything: 1 }, { nodes: [] }).message).toBe(
      'unknown input "anything": expected one of (the flow declares no inputs)',
    );
  });

  it("reports every problem at once", () => {
    const lines = inputError({ seats: "many", extra: true }).message.split("\n");
    expect(lines).toEqual([
      'missing required input: "question" (string)',
      'unknown input "extra": expected one of question, seats, verbose, config, tags, apiKey',
      'input "seats": expected a number, got "many"',
    ]);
  });

  it("wraps secret inputs in a Secret, whether given as a string or a Secret", async () => {
    const harness = createHarness();
    const seen: unknown[] = [];
    harness.behaviours.set("echo", (input) => {
      seen.push(input.value);
      return null;
    });
    const secretFlow: FlowDefinition = {
      inputs: { apiKey: { type: "secret" } },
      nodes: [{ id: "echo", type: "step", inputs: { value: "${inputs.apiKey}" } }],
      outputs: { key: "${inputs.apiKey}" },
    };
    const fromString = await harness.engine.run(secretFlow, { inputs: { apiKey: "plain-string-key" } });
    await harness.engine.run(secretFlow, { inputs: { apiKey: new Secret("wrapped-key") } });
    expect(seen.map((value) => (value instanceof Secret ? value.reveal() : value))).toEqual([
      "plain-string-key",
      "wrapped-key",
    ]);
    expect(fromString.outputs.key).toBe(SECRET_MASK);
  });

  it("yields a Secret when a secret is interpolated, and plain text otherwise", async () => {
    const harness = createHarness();
    const seen: Record<string, unknown> = {};
    for (const id of ["with-secret", "without"]) {
      harness.behaviours.set(id, (input) => {
        seen[id] = input.value;
        return null;
      });
    }
    await harness.engine.run(
      {
        inputs: { apiKey: { type: "secret" }, user: { type: "string" } },
        nodes: [
          {
            id: "with-secret",
            type: "step",
            inputs: { value: "Bearer ${inputs.apiKey} for ${inputs.user}" },
          },
          { id: "without", type: "step", inputs: { value: "Hello ${inputs.user}" } },
        ],
      },
      { inputs: { apiKey: "k-123456", user: "ada" } },
    );
    expect(seen["with-secret"]).toBeInstanceOf(Secret);
    expect((seen["with-secret"] as Secret).reveal()).toBe("Bearer k-123456 for ada");
    expect(seen.without).toBe("Hello ada");
  });
});

describe("coerceInputText", () => {
  it("turns command-line text into the declared type", () => {
    expect(coerceInputText("n", "number", "42")).toBe(42);
    expect(coerceInputText("n", "number", "-1.5e3")).toBe(-1500);
    expect(coerceInputText("b", "boolean", "true")).toBe(true);
    expect(coerceInputText("b", "boolean", "false")).toBe(false);
    expect(coerceInputText("o", "object", '{"a":[1]}')).toEqual({ a: [1] });
    expect(coerceInputText("l", "array", "[1,2]")).toEqual([1, 2]);
    expect(coerceInputText("s", "string", " 42 ")).toBe(" 42 ");
    expect(coerceInputText("s", undefined, "text")).toBe("text");
    expect(coerceInputText("k", "secret", "sk-1")).toBe("sk-1");
  });

  it("says what was expected when the text does not fit", () => {
    expect(() => coerceInputText("seats", "number", "three")).toThrow(
      'input "seats": expected a number, got "three"',
    );
    expect(() => coerceInputText("seats", "number", "")).toThrow("expected a number");
    expect(() => coerceInputText("verbose", "boolean", "maybe")).toThrow(
      'input "verbose": expected true or false, got "maybe"',
    );
    for (const guess of ["yes", "no", "1", "0", "True", "FALSE", " true", ""]) {
      expect(() => coerceInputText("flag", "boolean", guess), guess).toThrow(
        `input "flag": expected true or false, got ${JSON.stringify(guess)}`,
      );
    }
    expect(() => coerceInputText("config", "object", "{nope")).toThrow(
      'input "config": expected JSON (object)',
    );
  });
});
