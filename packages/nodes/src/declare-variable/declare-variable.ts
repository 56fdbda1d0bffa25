import {
  checkInputType,
  defineNodeType,
  describeValue,
  FlowError,
  type InputType,
  type Secret,
} from "@weft/engine";
import { z } from "zod";

const valueTypes = [
  "string",
  "number",
  "boolean",
  "object",
  "array",
  "secret",
] as const satisfies readonly InputType[];

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
    const expected = checkInputType(type, value);
    if (expected !== undefined) {
      throw new FlowError(
        "node.type",
        `variable "${name}": expected ${expected}${type === "secret" ? " for type secret" : ""}, got ${describeValue(value)}`,
        { nodeId: context.nodeId },
      );
    }
    return type === "secret" ? context.secret(value as string | Secret) : value;
  },
});
