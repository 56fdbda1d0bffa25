import { describeValue, FlowError } from "../errors/flow-error.js";
import { expectedOneOf } from "../flow/closest-names.js";
import { echo } from "../flow/echo.js";
import { checkInputType } from "../flow/input-types.js";
import type { FlowInput } from "../flow/schema.js";
import { MAX_LISTED_ISSUES } from "../limits.js";
import type { Redactor } from "../secrets/redactor.js";
import { Secret } from "../secrets/secret.js";

/**
 * Checks the values given for a run against the flow's declared inputs, applies defaults, and
 * wraps `secret` inputs in `Secret` (teaching the redactor their values). Reports every problem at
 * once (the first `MAX_LISTED_ISSUES` of them). Names are looked up as own keys only: a given
 * `constructor` or `toString` is refused like any other name the flow does not declare.
 */
export function prepareInputs(
  declared: Record<string, FlowInput> | undefined,
  given: Record<string, unknown>,
  redactor: Redactor,
): Map<string, unknown> {
  // Made at the first problem: the inputs of most runs have none.
  let problems: InputProblems | undefined;
  const values = new Map<string, unknown>();
  const declarations = declarationsOf(declared);
  for (const name of Object.keys(given)) {
    if (!declarations.has(name)) {
      problems ??= new InputProblems();
      problems.add(
        () =>
          `unknown input ${echo(name)}: ${expectedOneOf(name, declarations, "declared inputs", "(the flow declares no inputs)")}`,
      );
    }
  }
  let missing: string[] | undefined;
  for (const [name, declaration] of declarations) {
    const value = Object.hasOwn(given, name) ? given[name] : declaration.default;
    if (value === undefined) {
      missing ??= [];
      missing.push(name);
      continue;
    }
    const expected = checkInputType(declaration.type, value);
    if (expected) {
      problems ??= new InputProblems();
      problems.add(
        () =>
          `input ${echo(name)}: expected ${expected}, got ${declaration.type === "secret" ? typeof value : describeValue(value)}`,
      );
      continue;
    }
    if (declaration.type === "secret") {
      const secret = Secret.from(value as string | Secret);
      redactor.add(secret);
      values.set(name, secret);
    } else {
      values.set(name, value);
    }
  }
  if (missing !== undefined) {
    const listed = missing
      .slice(0, MAX_LISTED_ISSUES)
      .map((name) => `${echo(name)} (${declarations.get(name)!.type})`);
    if (missing.length > MAX_LISTED_ISSUES) listed.push(`and ${missing.length - MAX_LISTED_ISSUES} more`);
    problems ??= new InputProblems();
    problems.texts.unshift(`missing required input${missing.length > 1 ? "s" : ""}: ${listed.join(", ")}`);
  }
  if (problems !== undefined) throw new FlowError("input.invalid", problems.message());
  return values;
}

/** The problems of a run's inputs: the first `MAX_LISTED_ISSUES` in words, the rest counted. */
class InputProblems {
  readonly texts: string[] = [];
  #unlisted = 0;

  add(text: () => string): void {
    if (this.texts.length < MAX_LISTED_ISSUES) this.texts.push(text());
    else this.#unlisted++;
  }

  message(): string {
    const unlisted = this.#unlisted;
    const texts =
      unlisted > 0
        ? [...this.texts, `and ${unlisted} more problem${unlisted === 1 ? "" : "s"} with inputs`]
        : this.texts;
    return texts.join("\n");
  }
}

const NO_DECLARATIONS: ReadonlyMap<string, FlowInput> = new Map();
const declarationsByFlow = new WeakMap<Record<string, FlowInput>, ReadonlyMap<string, FlowInput>>();

/** A flow's declared inputs by name, made once per flow: every run of it checks its inputs against them. */
function declarationsOf(declared: Record<string, FlowInput> | undefined): ReadonlyMap<string, FlowInput> {
  if (declared === undefined) return NO_DECLARATIONS;
  let declarations = declarationsByFlow.get(declared);
  if (declarations === undefined) {
    declarations = new Map(Object.entries(declared));
    declarationsByFlow.set(declared, declarations);
  }
  return declarations;
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
        throw new FlowError("input.invalid", `input ${echo(name)}: expected a number, got ${echo(text)}`);
      }
      return value;
    }
    case "boolean":
      // Exactly JSON's words, as in a flow file or --inputs-file: `yes`, `1` or `True` would be
      // guesses, and a typo such as `flase` must not quietly pick a side.
      if (text === "true") return true;
      if (text === "false") return false;
      throw new FlowError("input.invalid", `input ${echo(name)}: expected true or false, got ${echo(text)}`);
    case "object":
    case "array": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new FlowError(
          "input.invalid",
          `input ${echo(name)}: expected JSON (${type}), got ${echo(text)}`,
        );
      }
      return value;
    }
    default:
      return text;
  }
}
