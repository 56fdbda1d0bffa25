import { ConnectionKinds, type ErrorCode, FlowError, FlowValidationError, toErrorInfo } from "@weft/engine";
import { Command, CommanderError, Option } from "commander";
import { EXIT_INVALID, EXIT_OK, exitCodeFor, usageError } from "./cli-error.js";
import { registerBatchCommand } from "./commands/batch-command.js";
import { registerConnectionCommands } from "./commands/connection.js";
import { registerConnectionTest } from "./commands/connection-test.js";
import { registerWorkerCommand } from "./commands/worker-command.js";
import { configureHelpPages } from "./help.js";
import { type CliIo, paint, processIo } from "./io.js";
import { collect, nonNegativeInteger, portNumber, positiveInteger } from "./options.js";
import {
  BUILTIN_CATALOG,
  type CliCatalog,
  loadCatalog,
  PLUGIN_COMMANDS,
  scanPluginOptions,
} from "./plugins.js";
import { cliVersion } from "./version.js";

/**
 * Declares every command and runs one. Owns exit codes: each command returns its code or throws;
 * user errors print as one line without a stack trace. Plug-ins load before the command line is
 * parsed: the connection commands' options come from the connection kinds.
 */
export async function main(argv: string[], io: CliIo = processIo(), cwd = process.cwd()): Promise<number> {
  const json = jsonOutput(argv);
  let catalog: CliCatalog;
  try {
    catalog = await catalogFor(argv, cwd);
  } catch (error) {
    return reportFailure(error, io, argv, json);
  }
  let exitCode = EXIT_OK;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command("weft")
    .description("Run LLM flows: DAGs of nodes over a variable scope, with static and dynamic connections.")
    .version(cliVersion(), "-V, --version")
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .option(
      "--plugin <module>",
      "load node types and connection kinds from a module (repeatable; a path or a package name), besides weft.config.mjs's",
      collect,
      [],
    );

  program
    .command("run")
    .description("Run a flow file and print its outputs")
    .argument("<flow>", "path to a .flow.json file")
    .option(
      "-i, --input <name=value>",
      "an input value (repeatable); coerced to the declared type",
      collect,
      [],
    )
    .option(
      "--input-env <name=VAR>",
      "read an input's value from an environment variable (for secrets)",
      collect,
      [],
    )
    .option("--inputs-file <file>", "a JSON file of input values")
    .option("--json", "print the run result as JSON on stdout (errors too, as JSON)")
    .option(
      "--stream",
      "stream every node that can: tokens on stderr as they arrive (with --json: every event as a JSON line on stdout, the result last)",
    )
    .addOption(new Option("--concurrency <n>", "nodes running at once").argParser(positiveInteger))
    .option("--trace <file>", "write every event as JSON lines to a file")
    .option("--prices <file>", "a JSON file of prices per million tokens: cost beside tokens")
    .option("--verbose", "print more detail (never secrets)")
    .action(async (flow: string, options) => {
      const { runCommand } = await import("./commands/run.js");
      setExit(await runCommand(flow, { ...options, catalog }, io));
    });

  registerBatchCommand(program, io, setExit, catalog);
  registerWorkerCommand(program, io, setExit, catalog);

  program
    .command("validate")
    .description("Check flow files and print every problem found")
    .argument("<flows...>", "paths to .flow.json files")
    .option("--json", "print the problems as JSON")
    .action(async (flows: string[], options) => {
      const { validateCommand } = await import("./commands/validate.js");
      setExit(await validateCommand(flows, options, io, catalog));
    });

  program
    .command("graph")
    .description("Print a flow's DAG as Mermaid or Graphviz source")
    .argument("<flow>", "path to a .flow.json file")
    .addOption(
      new Option("--format <format>", "picture source format").choices(["mermaid", "dot"]).default("mermaid"),
    )
    .action(async (flow: string, options) => {
      const { graphCommand } = await import("./commands/graph.js");
      setExit(await graphCommand(flow, options, io, catalog));
    });

  program
    .command("schema")
    .description(
      "Print the JSON Schema of flow files, with each node type's inputs (for editors, via $schema)",
    )
    .action(async () => {
      const { schemaCommand } = await import("./commands/schema.js");
      setExit(await schemaCommand(io, catalog));
    });

  program
    .command("mock-llm")
    .description("Start the offline LLM server (OpenAI, Azure OpenAI and Azure AI Foundry wire formats)")
    .addOption(
      new Option(
        "--port <n>",
        "port to listen on; fix it to keep stored connections working (default: a free one)",
      ).argParser(portNumber),
    )
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--key <key>",
      "an accepted key, or name=key (repeatable; default: any non-empty key)",
      collect,
      [],
    )
    .addOption(new Option("--delay <ms>", "delay before every answer").argParser(nonNegativeInteger))
    .action(async (options) => {
      const { mockLlmCommand } = await import("./commands/mock-llm.js");
      setExit(await mockLlmCommand(options, io));
    });

  program
    .command("demo")
    .description("Run the dynamic-connection example offline: two customers, one flow, their own keys")
    .action(async () => {
      const { demoCommand } = await import("./commands/demo.js");
      setExit(await demoCommand(io));
    });

  program
    .command("init")
    .description("Start a project: a flow, its JSON Schema, weft.config.mjs, and a README to run it offline")
    .argument("[dir]", "folder to write to, created if needed (default: the current folder)")
    .action(async (dir: string | undefined) => {
      const { initCommand } = await import("./commands/init.js");
      setExit(await initCommand(dir, io));
    });

  registerConnectionTest(
    registerConnectionCommands(program, io, new ConnectionKinds(catalog.connectionKinds)),
    io,
    setExit,
    catalog,
  );
  configureHelpPages(program, PLUGIN_COMMANDS);

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      if (error.exitCode === 0) return EXIT_OK;
      if (json) {
        const message = error.message.replace(/^error: /, "");
        writeJsonError({ code: "cli.usage", message }, io, json);
      }
      return EXIT_INVALID;
    }
    return reportFailure(error, io, argv, json);
  }
}

/**
 * The node types and connection kinds of this command line: with plug-ins for the commands that
 * load them (from weft.config.mjs and `--plugin`), the built-ins for the others.
 */
async function catalogFor(argv: readonly string[], cwd: string): Promise<CliCatalog> {
  const { command, plugins } = scanPluginOptions(argv);
  if (command === undefined || !PLUGIN_COMMANDS.has(command)) {
    if (plugins.length > 0 && command !== undefined && command !== "help") {
      throw usageError(
        `--plugin: weft ${command} loads no plug-ins (they are for ${[...PLUGIN_COMMANDS].join(", ")})`,
      );
    }
    return BUILTIN_CATALOG;
  }
  return loadCatalog({ plugins, cwd });
}

/** Prints an error thrown before or instead of a command's result, and gives its exit code. */
function reportFailure(
  error: unknown,
  io: CliIo,
  argv: readonly string[],
  json: "document" | "lines" | undefined,
): number {
  reportError(error, io, argv.includes("--verbose"));
  if (json) writeJsonError(describeError(error), io, json);
  return exitCodeFor(error);
}

/**
 * How a command line asks for JSON: `--json` prints one JSON document, `--json --stream` JSON
 * lines. Options after `--` are arguments, not options.
 */
function jsonOutput(argv: readonly string[]): "document" | "lines" | undefined {
  const end = argv.indexOf("--");
  const options = end === -1 ? argv : argv.slice(0, end);
  if (!options.includes("--json")) return undefined;
  return options.includes("--stream") ? "lines" : "document";
}

/** What `--json` prints for an error before (or instead of) a result. */
export interface JsonError {
  /** Always `error`: a run result's status is `succeeded`, `failed` or `cancelled`. */
  status: "error";
  error: {
    /** Stable code, e.g. `flow.invalid`, `input.invalid`, `cli.usage`, `connection.unknown`. */
    code: ErrorCode;
    /** The same text the error line on stderr shows. */
    message: string;
    /** The file concerned, when there is one. */
    file?: string;
    /** Every problem of an invalid flow, with its JSON path, line and column. */
    issues?: FlowValidationError["issues"];
  };
}

function describeError(error: unknown): JsonError["error"] {
  if (!(error instanceof FlowError)) {
    return { code: "internal", message: error instanceof Error ? error.message : String(error) };
  }
  const { code, message } = toErrorInfo(error);
  return {
    code,
    message,
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error instanceof FlowValidationError ? { issues: error.issues } : {}),
  };
}

/** Under `--json`, errors are a JSON document on stdout too (one line with `--stream`). */
function writeJsonError(error: JsonError["error"], io: CliIo, json: "document" | "lines"): void {
  const document: JsonError = { status: "error", error };
  io.stdout(`${json === "lines" ? JSON.stringify(document) : JSON.stringify(document, null, 2)}\n`);
}

/** Prints an error: user and service errors as one line, internal ones with a hint (or the stack with --verbose). */
export function reportError(error: unknown, io: CliIo, verbose: boolean): void {
  if (error instanceof FlowError && error.kind !== "internal") {
    io.stderr(`${paint(io, "red", "error:")} ${error.message}\n`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`${paint(io, "red", "internal error:")} ${message}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  else io.stderr("(run again with --verbose for details)\n");
}
