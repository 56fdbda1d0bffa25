import {
  type ConnectionField,
  ConnectionKinds,
  MAX_STORE_FILE_BYTES,
  maskUrlCredentials,
} from "@weft/engine";
import {
  type ConnectionInput,
  type ConnectionPatch,
  decodeKey,
  importConnections,
  type MaskedConnection,
  openConnectionStore,
  readRegularFile,
} from "@weft/store";
import { type Command, Option } from "commander";
import { usageError } from "../cli-error.js";
import type { CliIo } from "../io.js";
import { collect, positiveInteger, splitPair } from "../options.js";
import { BUILTIN_CATALOG } from "../plugins.js";

/** What the connection commands read and write. */
export type ConnectionCommandIo = Pick<CliIo, "stdout" | "stderr" | "readStdin" | "env">;

/**
 * Options shared by `create` and `update`, made from the kinds' fields: a plain field `baseUrl`
 * is `--base-url <value>`; a secret `apiKey` is `--api-key-env <VAR>` or `--api-key-stdin`; a
 * record `configs` is `--config <name=value>` and a secret record `secrets` `--secret-env <name=VAR>`.
 */
type FieldOptions = Record<string, unknown>;

/** A field of one or more kinds, with the kinds that have it. */
interface CliField extends ConnectionField {
  types: string[];
}

/**
 * Adds `weft connection create | list | show | update | delete | import | rotate-key`: the local
 * encrypted store at `$WEFT_HOME`. Keys never come from the command line itself (shell history,
 * process lists): they are read from an environment variable or from standard input.
 */
export function registerConnectionCommands(
  program: Command,
  io: ConnectionCommandIo,
  kinds = new ConnectionKinds(BUILTIN_CATALOG.connectionKinds),
): Command {
  const store = () => openConnectionStore({ env: io.env, connectionKinds: kinds });
  const fields = cliFields(kinds);
  const connection = program
    .command("connection")
    .description("Manage the local encrypted connection store ($WEFT_HOME, default ~/.weft)");

  addFieldOptions(
    connection
      .command("create")
      .description(
        "Save a connection (the key is read from a variable or stdin, never from the command line)",
      )
      .argument("<name>", "the connection's name, as flows refer to it")
      .addOption(
        new Option("--type <type>", "kind of connection").choices(kinds.types()).makeOptionMandatory(),
      ),
    fields,
  )
    .option("--force", "replace a connection of the same name")
    .action(
      async (name: string, options: FieldOptions & { type: ConnectionInput["type"]; force?: boolean }) => {
        const values = await readFields(options, io, fields);
        const input = { type: options.type, ...values } as ConnectionInput;
        const target = store();
        await target.create(name, input, { overwrite: options.force === true });
        io.stdout(`saved connection "${name}" (${options.type}) in ${target.path}\n`);
      },
    );

  connection
    .command("list")
    .description("List stored connections (never their secrets)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const summaries = (await store().listSummaries()).map((summary) =>
        summary.endpoint === undefined
          ? summary
          : { ...summary, endpoint: maskUrlCredentials(summary.endpoint) },
      );
      if (options.json) {
        io.stdout(`${JSON.stringify(summaries, null, 2)}\n`);
        return;
      }
      if (summaries.length === 0) {
        io.stdout("no connections (add one with `weft connection create` or `weft connection import`)\n");
        return;
      }
      const rows = summaries.map((summary) => [
        summary.name,
        summary.type,
        summary.endpoint ?? "",
        summary.maxConcurrency === undefined ? "" : String(summary.maxConcurrency),
      ]);
      io.stdout(formatTable(["NAME", "TYPE", "ENDPOINT", "MAX IN FLIGHT"], rows));
    });

  connection
    .command("show")
    .description("Show a stored connection with its secrets masked")
    .argument("<name>")
    .option("--json", "print JSON")
    .action(async (name: string, options: { json?: boolean }) => {
      const shown = withMaskedUrls(await store().show(name));
      io.stdout(options.json ? `${JSON.stringify(shown, null, 2)}\n` : formatConnection(shown));
    });

  addFieldOptions(
    connection
      .command("update")
      .description("Change fields of a stored connection (its type cannot change: create --force)")
      .argument("<name>"),
    fields,
  ).action(async (name: string, options: FieldOptions) => {
    const patch = await readFields(options, io, fields);
    if (Object.keys(patch).length === 0) {
      throw usageError(
        "nothing to change: give at least one field option (see weft connection update --help)",
      );
    }
    await store().update(name, patch as ConnectionPatch);
    io.stdout(`updated connection "${name}"\n`);
  });

  connection
    .command("delete")
    .description("Delete a stored connection")
    .argument("<name>")
    .action(async (name: string) => {
      await store().delete(name);
      io.stdout(`deleted connection "${name}"\n`);
    });

  connection
    .command("import")
    .description("Import connections from a weft JSON/YAML file or a promptflow connection YAML file")
    .argument("<file>")
    .option("--force", "replace connections of the same names")
    .action(async (file: string, options: { force?: boolean }) => {
      const text = await readRegularFile(file, {
        code: "cli.usage",
        expected: "a connections file (JSON or YAML)",
        maxBytes: MAX_STORE_FILE_BYTES,
      });
      const format = /\.json$/i.test(file) ? "json" : "yaml";
      const imported = importConnections(text, { file, format, connectionKinds: kinds });
      await store().createMany(imported, { overwrite: options.force === true });
      const names = imported.map((entry) => `${entry.name} (${entry.connection.type})`);
      io.stdout(`imported ${plural(imported.length, "connection")} from ${file}: ${names.join(", ")}\n`);
      for (const entry of imported) {
        for (const note of entry.notes) io.stderr(`note: ${entry.name}: ${note}\n`);
      }
    });

  connection
    .command("rotate-key")
    .description("Re-encrypt every stored connection under a new key")
    .option(
      "--new-key-env <VAR>",
      "read the new key (base64 of 32 bytes) from this variable; required when the key comes from WEFT_SECRET_KEY",
    )
    .action(async (options: { newKeyEnv?: string }) => {
      const target = store();
      const newKey =
        options.newKeyEnv === undefined
          ? undefined
          : decodeKey(requireEnv(io, options.newKeyEnv, "--new-key-env"), options.newKeyEnv);
      const result = await target.rotateKey(newKey === undefined ? {} : { newKey });
      const previous = result.previousKeyId === undefined ? "" : ` (was ${result.previousKeyId})`;
      io.stdout(
        `re-encrypted ${plural(result.connections, "connection")} under key ${result.keyId}${previous}\n`,
      );
      if (result.keyFile) io.stdout(`the new key is in ${result.keyFile}\n`);
      if (result.previousKeyFile) {
        io.stdout(
          `the previous key was kept in ${result.previousKeyFile}; delete it once no backup needs it\n`,
        );
      }
      if (result.updateEnv) {
        io.stdout(`set WEFT_SECRET_KEY to the value of ${options.newKeyEnv} before the next weft command\n`);
      }
    });

  return connection;
}

/** Every field of every kind, once, in the kinds' order; `maxConcurrency` (common to all) last. */
function cliFields(kinds: ConnectionKinds): CliField[] {
  const byName = new Map<string, CliField>();
  for (const type of kinds.types()) {
    for (const field of kinds.fields(type) ?? []) {
      const known = byName.get(field.name);
      if (known) known.types.push(type);
      else byName.set(field.name, { ...field, types: [type] });
    }
  }
  const fields = [...byName.values()];
  return [
    ...fields.filter((field) => field.name !== "maxConcurrency"),
    ...fields.filter((field) => field.name === "maxConcurrency"),
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

function addFieldOptions(command: Command, fields: readonly CliField[]): Command {
  const all = Math.max(...fields.map((field) => field.types.length));
  for (const field of fields) {
    const flag = kebab(field.name);
    const what = field.description ?? spoken(field.name);
    if (field.name === "maxConcurrency") {
      command.addOption(
        new Option("--max-concurrency <n>", "requests in flight at once through this connection").argParser(
          positiveInteger,
        ),
      );
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
async function readFields(
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

function requireEnv(io: ConnectionCommandIo, variable: string, option: string): string {
  const value = io.env[variable];
  if (value === undefined || value === "") {
    throw usageError(
      `${option}: environment variable ${variable} is ${value === undefined ? "not set" : "empty"}`,
    );
  }
  return value;
}

/** `show` as text: one `field: value` line each, records indented. Secrets are already masked. */
/** A key someone put in an endpoint's query (`?api-key=…`) is shown masked, like the other secrets. */
function withMaskedUrls(connection: MaskedConnection): MaskedConnection {
  const fields = { ...connection } as Record<string, unknown>;
  for (const field of ["endpoint", "baseUrl"]) {
    if (typeof fields[field] === "string") fields[field] = maskUrlCredentials(fields[field]);
  }
  return fields as MaskedConnection;
}

function formatConnection(connection: MaskedConnection): string {
  const lines: string[] = [];
  for (const [field, value] of Object.entries(connection)) {
    if (value !== null && typeof value === "object") {
      const entries = Object.entries(value as Record<string, string>);
      lines.push(entries.length === 0 ? `${field}: {}` : `${field}:`);
      for (const [entry, item] of entries) lines.push(`  ${entry}: ${item}`);
    } else {
      lines.push(`${field}: ${String(value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
