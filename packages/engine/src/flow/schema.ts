import { z } from "zod";

/** The types a flow input may declare. `secret` values are wrapped in `Secret` and masked everywhere. */
export const inputTypeSchema = z.enum(["string", "number", "boolean", "object", "array", "secret"]);
/** The type a flow input declares. */
export type InputType = z.infer<typeof inputTypeSchema>;

/** A flow input: its type, and a default that makes it optional. */
export const flowInputSchema = z
  .object({
    type: inputTypeSchema
      .default("string")
      .describe("The value's type; command-line values are coerced to it."),
    description: z.string().optional(),
    default: z.unknown().optional().describe("Makes the input optional."),
  })
  .strict();
/** A flow input, as validated. */
export type FlowInput = z.infer<typeof flowInputSchema>;

/** A reference such as `${vars.customerConnection}`, or a JSON value that may contain references. */
const reference = z.string().describe("A reference: ${inputs.x}, ${vars.x} or ${nodes.<id>.output.<path>}");

/** How often a node is tried again after a retryable failure (rate limits, 5xx, network). */
export const retryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).optional().describe("Attempts in all, the first included."),
    initialDelayMs: z.number().int().min(0).optional().describe("Delay before the first retry."),
    maxDelayMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Cap on any single delay, server hints included."),
  })
  .strict();
/** A node's retry policy, as written. */
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/** The operators of a `when` comparison: a comparison names exactly one. */
export const WHEN_OPERATORS = ["is", "not", "in"] as const;

/**
 * A `when` that compares: the node runs only if `value` (a reference) equals `is`, differs from
 * `not`, or equals one of `in`. Values are compared as JSON, by deep equality.
 */
export const whenComparisonSchema = z
  .object({
    value: z
      .string()
      .describe("What is compared: a reference such as ${nodes.moderate.output.suggestedAction}."),
    is: z.unknown().optional().describe("Run the node only if the value equals this."),
    not: z.unknown().optional().describe("Run the node only if the value differs from this."),
    in: z
      .array(z.unknown())
      .min(1, "expected at least one value to compare with")
      .optional()
      .describe("Run the node only if the value equals one of these."),
  })
  .strict()
  .superRefine((comparison, context) => {
    const given = WHEN_OPERATORS.filter((operator) => comparison[operator] !== undefined);
    if (given.length === 1) return;
    context.addIssue({
      code: "custom",
      message:
        given.length === 0
          ? 'missing the comparison: expected exactly one of "is", "not" or "in"'
          : `expected exactly one of "is", "not" or "in", got ${given.map((operator) => `"${operator}"`).join(" and ")}`,
      ...(given.length > 1 ? { path: [given[1]!] } : {}),
    });
  });
/** A `when` comparison, as written. */
export type WhenComparison = z.infer<typeof whenComparisonSchema>;

/** One node: a step of the flow. */
export const flowNodeSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[A-Za-z_][A-Za-z0-9_-]*$/,
        "expected letters, digits, '_' or '-', starting with a letter or '_'",
      )
      .describe("Unique id, used in ${nodes.<id>.output} references."),
    type: z.string().min(1).describe("The node type, e.g. declare-variable, chat-completion."),
    title: z.string().optional(),
    description: z.string().optional(),
    inputs: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("Input values; strings may hold references."),
    connection: z.string().min(1).optional().describe("Name of a static connection."),
    dynamicConnection: reference
      .optional()
      .describe("A reference to a connection made during the run; it overrides `connection`."),
    dependsOn: z
      .array(z.string())
      .optional()
      .describe("Nodes that must finish first, beyond those referenced."),
    when: z
      .union([z.boolean(), z.string(), whenComparisonSchema])
      .optional()
      .describe(
        'Skip the node unless this holds: a boolean, a reference (skipped when false, null, 0, "" or "false"), or a comparison { value, is | not | in }.',
      ),
    retry: retryPolicySchema.optional(),
    timeoutMs: z.number().int().positive().optional().describe("Fail the node after this many ms."),
    requestTimeoutMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Fail a service request of one attempt after this many ms (default 120000); the retry policy decides what follows.",
      ),
    continueOnError: z.boolean().optional().describe("A failure of this node does not fail the run."),
  })
  .strict();
/** A node of a flow, as validated. */
export type FlowNode = z.infer<typeof flowNodeSchema>;

/** A flow file: a DAG of nodes over a variable scope. Only `nodes` is required. */
export const flowSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    inputs: z.record(z.string(), flowInputSchema).optional(),
    nodes: z.array(flowNodeSchema),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Fail the run after this many ms (default 600000); an app's shorter limit wins."),
    outputs: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Output values; strings may hold references."),
  })
  .strict();
/** A flow as written in a file (defaults not yet applied). */
export type FlowDefinition = z.input<typeof flowSchema>;
/** A flow after schema validation (defaults applied). */
export type Flow = z.output<typeof flowSchema>;
