import type { ConnectionField, ConnectionKinds } from "@weft/engine";
import { type Command, Option } from "commander";
import { usageError } from "../cli-error.js";
import type { CliIo } from "../io.js";
import { collect, positiveInteger, splitPair } from "../options.js";

/** What the connection commands read and write. */
export type ConnectionCommandIo = Pick<CliIo, "stdout" | "stderr" | "readStdin" | "env">;

/**
 * Options shared by `create` and `update`, made from the kinds' fields: a plain field `baseUrl`
 * is `--base-url <value>`; a secret `apiKey` is `--api-key-env <VAR>` or `--api-key-stdin`; a
 * record `configs` is `--config <name=value>` and a secret record `secrets` `--secret-env <name=VAR>`.
 */
export type FieldOptions = Record<string, unknown>;

/** A field of one or more kinds, with the kinds that have it. */
export interface CliField extends ConnectionField {
  types: string[];
  /** Each kind's description of the field, in the order of `types`. */
  descriptions: Array<string | undefined>;
}

/** The limits every kind has, as options: whole numbers from 1. */
const LIMIT_FIELDS: ReadonlyMap<string, string> = new Map([
  ["maxConcurrency", "requests in flight at once through this connection"],
  ["requestsPerMinute", "requests started through this connection in any 60 seconds"],
  ["tokensPerMinute", "tokens used through this connection in any 60 seconds"],
]);

/** Every field of every kind, once, in the kinds' order; the limits (common to all) last. */
export function cliFields(kinds: ConnectionKinds): CliField[] {
  const byName = new Map<string, CliField>();
  for (const type of kinds.types()) {
    for (const field of kinds.fields(type) ?? []) {
      const known = byName.get(field.name);
      if (known) {
        known.types.push(type);
        known.descriptions.push(field.description);
      } else byName.set(field.name, { ...field, types: [type], descriptions: [field.description] });
    }
  }
  const fields = [...byName.values()];
  return [
    ...fields.filter((field) => !LIMIT_FIELDS.has(field.name)),
    ...fields.filter((field) => LIMIT_FIELDS.has(field.name)),
  ];
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** `apiKey` → `API key`, for messages. */
function spoken(name: string): string {
  return kebab(name)
    .split("-")
    .map((word) => (word === "api" ? "API" : word))
    .join(" ");
}

function singular(name: string): string {
  return name.endsWith("s") ? name.slice(0, -1) : name;
}

/** Help text: `<kinds that have it>: <what it is>`, unprefixed for fields every kind has. */
function helpFor(field: CliField, all: number, text: string): string {
  return field.types.length === all ? text : `${field.types.join(", ")}: ${text}`;
}

export function addFieldOptions(command: Command, fields: readonly CliField[]): Command {
  const all = Math.max(...fields.map((field) => field.types.length));
  for (const field of fields) {
    const flag = kebab(field.name);
    const what = field.description ?? spoken(field.name);
    const limit = LIMIT_FIELDS.get(field.name);
    if (limit !== undefined) {
      command.addOption(new Option(`--${flag} <n>`, limit).argParser(positiveInteger));
    } else if (field.record && field.secret === "entries") {
      const option = `--${kebab(singular(field.name))}-env <name=VAR>`;
      command.option(
        option,
        helpFor(field, all, `${what} read from an environment variable (repeatable)`),
        collect,
        [],
      );
    } else if (field.record) {
      const option = `--${kebab(singular(field.name))} <name=value>`;
      command.option(option, helpFor(field, all, `${what} (repeatable)`), collect, []);
    } else if (field.secret === "value") {
      command
        .option(
          `--${flag}-env <VAR>`,
          helpFor(field, all, `read ${what} from this environment variable now, and store it encrypted`),
        )
        .option(`--${flag}-stdin`, helpFor(field, all, `read ${what} from standard input`))
        .addOption(new Option(`--${flag} <value>`).hideHelp());
    } else if (new Set(field.descriptions).size > 1) {
      // Kinds that mean different things by one field (baseUrl) each say what they mean.
      const each = field.types.map(
        (type, index) => `${type}: ${field.descriptions[index] ?? spoken(field.name)}`,
      );
      command.option(`--${flag} <value>`, each.join("; "));
    } else {
      command.option(`--${flag} <value>`, helpFor(field, all, what));
    }
  }
  return command;
}

/**
 * Turns the field options into connection fields. A value given as `${env:NAME}` (for example
 * on stdin) is stored as that reference and resolved when a flow runs.
 */
export async function readFields(
  options: FieldOptions,
  io: ConnectionCommandIo,
  fields: readonly CliField[],
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    const name = field.name;
    if (field.record) {
      const secret = field.secret === "entries";
      const listed = options[secret ? `${singular(name)}Env` : singular(name)] as string[] | undefined;
      if (!listed || listed.length === 0) continue;
      const flag = `--${kebab(singular(name))}${secret ? "-env" : ""}`;
      values[name] = Object.fromEntries(
        listed.map((pair) => {
          if (!secret) return splitPair(pair, flag, "name=value");
          const [entry, variable] = splitPair(pair, flag, "name=VAR");
          return [entry, requireEnv(io, variable, flag)];
        }),
      );
    } else if (field.secret === "value") {
      const flag = `--${kebab(name)}`;
      if (options[name] !== undefined) {
        throw usageError(
          `${spoken(name)}s are not accepted on the command line; use ${flag}-env VAR or ${flag}-stdin`,
        );
      }
      const variable = options[`${name}Env`] as string | undefined;
      const stdin = options[`${name}Stdin`] === true;
      if (variable !== undefined && stdin)
        throw usageError(`give either ${flag}-env or ${flag}-stdin, not both`);
      if (variable !== undefined) values[name] = requireEnv(io, variable, `${flag}-env`);
      if (stdin) {
        const text = (await io.readStdin()).trim();
        if (text === "") throw usageError(`${flag}-stdin: standard input was empty`);
        values[name] = text;
      }
    } else if (options[name] !== undefined) {
      values[name] = options[name];
    }
  }
  return values;
}

export function requireEnv(io: ConnectionCommandIo, variable: string, option: string): string {
  const value = io.env[variable];
  if (value === undefined || value === "") {
    throw usageError(
      `${option}: environment variable ${variable} is ${value === undefined ? "not set" : "empty"}`,
    );
  }
  return value;
}
