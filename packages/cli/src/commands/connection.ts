import { readFile } from "node:fs/promises";
import {
  type ConnectionInput,
  type ConnectionPatch,
  decodeKey,
  importConnections,
  type MaskedConnection,
  maskUrlCredentials,
  openConnectionStore,
} from "@weft/engine";
import { type Command, Option } from "commander";
import { usageError } from "../cli-error.js";
import type { CliIo } from "../io.js";
import { collect, positiveInteger, splitPair } from "../options.js";

/** What the connection commands read and write. */
export type ConnectionCommandIo = Pick<CliIo, "stdout" | "stderr" | "readStdin" | "env">;

/** Options shared by `create` and `update`: every field, and where each secret comes from. */
interface FieldOptions {
  endpoint?: string;
  apiKeyEnv?: string;
  apiKeyStdin?: boolean;
  apiKey?: string;
  apiVersion?: string;
  baseUrl?: string;
  organization?: string;
  config: string[];
  secretEnv: string[];
  maxConcurrency?: number;
}

const TYPES = ["azure-ai", "openai", "custom"] as const;

/**
 * Adds `weft connection create | list | show | update | delete | import | rotate-key`: the local
 * encrypted store at `$WEFT_HOME`. Keys never come from the command line itself (shell history,
 * process lists): they are read from an environment variable or from standard input.
 */
export function registerConnectionCommands(program: Command, io: ConnectionCommandIo): Command {
  const store = () => openConnectionStore({ env: io.env });
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
      .addOption(new Option("--type <type>", "kind of connection").choices(TYPES).makeOptionMandatory()),
  )
    .option("--force", "replace a connection of the same name")
    .action(
      async (name: string, options: FieldOptions & { type: ConnectionInput["type"]; force?: boolean }) => {
        const fields = await readFields(options, io);
        const input = { type: options.type, ...fields } as ConnectionInput;
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
  ).action(async (name: string, options: FieldOptions) => {
    const patch = await readFields(options, io);
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
      const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
        throw usageError(`cannot read ${file}: ${error.code ?? error.message}`);
      });
      const format = /\.json$/i.test(file) ? "json" : "yaml";
      const imported = importConnections(text, { file, format });
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

function addFieldOptions(command: Command): Command {
  return command
    .option("--endpoint <url>", "azure-ai: a Foundry /models endpoint or an Azure OpenAI deployment URL")
    .option(
      "--api-key-env <VAR>",
      "read the API key from this environment variable now, and store it encrypted",
    )
    .option("--api-key-stdin", "read the API key from standard input")
    .addOption(new Option("--api-key <key>").hideHelp())
    .option("--api-version <version>", "azure-ai: the api-version to send")
    .option("--base-url <url>", "openai: an OpenAI-compatible server's base URL")
    .option("--organization <id>", "openai: the organization id")
    .option("--config <name=value>", "custom: a plain setting (repeatable)", collect, [])
    .option(
      "--secret-env <name=VAR>",
      "custom: a secret read from an environment variable (repeatable)",
      collect,
      [],
    )
    .addOption(
      new Option("--max-concurrency <n>", "requests in flight at once through this connection").argParser(
        positiveInteger,
      ),
    );
}

/**
 * Turns the field options into connection fields. A value given as `${env:NAME}` (for example
 * on stdin) is stored as that reference and resolved when a flow runs.
 */
async function readFields(options: FieldOptions, io: ConnectionCommandIo): Promise<Record<string, unknown>> {
  if (options.apiKey !== undefined) {
    throw usageError(
      "API keys are not accepted on the command line; use --api-key-env VAR or --api-key-stdin",
    );
  }
  if (options.apiKeyEnv !== undefined && options.apiKeyStdin) {
    throw usageError("give either --api-key-env or --api-key-stdin, not both");
  }
  const fields: Record<string, unknown> = {};
  if (options.endpoint !== undefined) fields.endpoint = options.endpoint;
  if (options.apiKeyEnv !== undefined) fields.apiKey = requireEnv(io, options.apiKeyEnv, "--api-key-env");
  if (options.apiKeyStdin) {
    const key = (await io.readStdin()).trim();
    if (key === "") throw usageError("--api-key-stdin: standard input was empty");
    fields.apiKey = key;
  }
  if (options.apiVersion !== undefined) fields.apiVersion = options.apiVersion;
  if (options.baseUrl !== undefined) fields.baseUrl = options.baseUrl;
  if (options.organization !== undefined) fields.organization = options.organization;
  if (options.maxConcurrency !== undefined) fields.maxConcurrency = options.maxConcurrency;
  if (options.config.length > 0) {
    fields.configs = Object.fromEntries(
      options.config.map((pair) => splitPair(pair, "--config", "name=value")),
    );
  }
  if (options.secretEnv.length > 0) {
    fields.secrets = Object.fromEntries(
      options.secretEnv.map((pair) => {
        const [name, variable] = splitPair(pair, "--secret-env", "name=VAR");
        return [name, requireEnv(io, variable, "--secret-env")];
      }),
    );
  }
  return fields;
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
