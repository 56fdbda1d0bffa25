import { ConnectionKinds, MAX_STORE_FILE_BYTES, maskUrlCredentials } from "@weft/engine";
import {
  type ConnectionInput,
  type ConnectionPatch,
  decodeKey,
  importConnections,
  openConnectionStore,
  readRegularFile,
} from "@weft/store";
import { type Command, Option } from "commander";
import { usageError } from "../cli-error.js";
import { BUILTIN_CATALOG } from "../plugins.js";
import {
  addFieldOptions,
  type ConnectionCommandIo,
  cliFields,
  type FieldOptions,
  readFields,
  requireEnv,
} from "./connection-fields.js";
import { formatConnection, formatTable, plural, withMaskedUrls } from "./connection-format.js";

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
      // The rate columns only when some connection sets a rate.
      const rates = summaries.some(
        (summary) => summary.requestsPerMinute !== undefined || summary.tokensPerMinute !== undefined,
      );
      const text = (value: number | undefined) => (value === undefined ? "" : String(value));
      const rows = summaries.map((summary) => [
        summary.name,
        summary.type,
        summary.endpoint ?? "",
        text(summary.maxConcurrency),
        ...(rates ? [text(summary.requestsPerMinute), text(summary.tokensPerMinute)] : []),
      ]);
      const header = ["NAME", "TYPE", "ENDPOINT", "MAX IN FLIGHT", ...(rates ? ["RPM", "TPM"] : [])];
      io.stdout(formatTable(header, rows));
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
      const imported = await importConnections(text, { file, format, connectionKinds: kinds });
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
