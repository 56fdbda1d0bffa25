import { defineNodeType, describeValue, FlowError, Secret } from "@weft/engine";
import { z } from "zod";

const valueTypes = ["string", "number", "boolean", "object", "array", "secret"] as const;

/** Writes a value into a variable of the run's scope, optionally checking its type. */
export const declareVariable = defineNodeType({
  type: "declare-variable",
  description: "Declares a variable of the run's scope and sets its value.",
  input: z
    .object({
      name: z.string().describe("The variable's name (a literal): other nodes read it as ${vars.<name>}."),
      value: z.unknown().describe("Any JSON value, or a reference."),
      type: z
        .enum(valueTypes)
        .optional()
        .describe("Checked when the node runs; `secret` wraps the value in a Secret."),
    })
    .strict(),
  output: z
    .unknown()
    .describe("The value, as given (a Secret for type secret): any path below it may exist."),
  writes: { input: "name" },
  run(input, context) {
    const { name, value, type } = input;
    if (type === undefined) return value;
    if (type === "secret") {
      if (typeof value !== "string" && !(value instanceof Secret)) {
        throw new FlowError(
          "node.type",
          `variable "${name}": expected a string for type secret, got ${describeValue(value)}`,
          {
            nodeId: context.nodeId,
          },
        );
      }
      return context.secret(value);
    }
    if (!matchesType(type, value)) {
      throw new FlowError(
        "node.type",
        `variable "${name}": expected ${type === "array" || type === "object" ? `an ${type}` : `a ${type}`}, got ${describeValue(value)}`,
        { nodeId: context.nodeId },
      );
    }
    return value;
  },
});

function matchesType(type: Exclude<(typeof valueTypes)[number], "secret">, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return (
        value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Secret)
      );
  }
}
