import { describeValue, FlowError } from "../errors.js";
import { checkInputType } from "../flow/input-types.js";
import type { FlowInput } from "../flow/schema.js";
import type { Redactor } from "../secrets/redactor.js";
import { Secret } from "../secrets/secret.js";

/**
 * Checks the values given for a run against the flow's declared inputs, applies defaults, and
 * wraps `secret` inputs in `Secret` (teaching the redactor their values). Reports every problem at once.
 */
export function prepareInputs(
  declared: Record<string, FlowInput> | undefined,
  given: Record<string, unknown>,
  redactor: Redactor,
): Record<string, unknown> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const declarations = declared ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declarations)) {
      const known = Object.keys(declarations);
      problems.push(
        `unknown input "${name}": expected one of ${known.length ? known.join(", ") : "(the flow declares no inputs)"}`,
      );
    }
  }
  const missing: string[] = [];
  for (const [name, declaration] of Object.entries(declarations)) {
    const value = Object.hasOwn(given, name) ? given[name] : declaration.default;
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    const problem = checkInputType(declaration.type, value);
    if (problem) {
      problems.push(
        `input "${name}": expected ${problem}, got ${declaration.type === "secret" ? typeof value : describeValue(value)}`,
      );
      continue;
    }
    if (declaration.type === "secret") {
      const secret = Secret.from(value as string | Secret);
      redactor.add(secret);
      values[name] = secret;
    } else {
      values[name] = value;
    }
  }
  if (missing.length > 0) {
    problems.unshift(
      `missing required input${missing.length > 1 ? "s" : ""}: ${missing.map((name) => `"${name}" (${declarations[name]!.type})`).join(", ")}`,
    );
  }
  if (problems.length > 0) {
    throw new FlowError("input.invalid", problems.join("\n"));
  }
  return values;
}

/**
 * Turns command-line text into a value of the declared type: numbers, `true` or `false` for
 * booleans, JSON for objects and arrays. Throws a `FlowError` that says what was expected.
 */
export function coerceInputText(name: string, type: FlowInput["type"] | undefined, text: string): unknown {
  switch (type ?? "string") {
    case "number": {
      const value = Number(text);
      if (text.trim() === "" || !Number.isFinite(value)) {
        throw new FlowError(
          "input.invalid",
          `input "${name}": expected a number, got ${JSON.stringify(text)}`,
        );
      }
      return value;
    }
    case "boolean":
      // Exactly JSON's words, as in a flow file or --inputs-file: `yes`, `1` or `True` would be
      // guesses, and a typo such as `flase` must not quietly pick a side.
      if (text === "true") return true;
      if (text === "false") return false;
      throw new FlowError(
        "input.invalid",
        `input "${name}": expected true or false, got ${JSON.stringify(text)}`,
      );
    case "object":
    case "array": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new FlowError(
          "input.invalid",
          `input "${name}": expected JSON (${type}), got ${JSON.stringify(text.slice(0, 60))}`,
        );
      }
      return value;
    }
    default:
      return text;
  }
}
