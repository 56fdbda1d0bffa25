import {
  type CompiledFlow,
  type CompiledNode,
  type ConnectionProvider,
  coerceInputText,
  FlowError,
  type InputType,
  MAX_INPUTS_FILE_BYTES,
  type RunResult,
  readRegularFile,
} from "@weft/engine";
import { EXIT_OK, EXIT_RUN_FAILED, usageError } from "../cli-error.js";
import { openCliConnections } from "../connections.js";
import { createCliEngine } from "../create-engine.js";
import { loadFlowFile } from "../flow-file.js";
import type { CliIo } from "../io.js";
import { splitPair } from "../options.js";
import { attachProgressReporter, formatSummary } from "../reporters/progress-reporter.js";
import { attachTokenPrinter } from "../reporters/token-printer.js";
import { openTraceWriter } from "../reporters/trace-writer.js";

/** Options of `weft run`. */
export interface RunCommandOptions {
  input: string[];
  inputEnv: string[];
  inputsFile?: string;
  json?: boolean;
  stream?: boolean;
  concurrency?: number;
  trace?: string;
  verbose?: boolean;
  /** Static connections to use instead of the local store (the demo, tests). */
  connections?: ConnectionProvider;
}

/** `weft run <flow>`: runs a flow, printing progress on stderr and the outputs (or the result) on stdout. */
export async function runCommand(file: string, options: RunCommandOptions, io: CliIo): Promise<number> {
  const result = await runFlowFile(file, options, io);
  return result.status === "succeeded" ? EXIT_OK : EXIT_RUN_FAILED;
}

/** Runs a flow file with reporters attached, and returns its result. */
export async function runFlowFile(file: string, options: RunCommandOptions, io: CliIo): Promise<RunResult> {
  const probe = createCliEngine();
  const flow = await loadFlowFile(probe, file);
  const connections =
    options.connections ?? (usesStaticConnections(flow) ? await openCliConnections(io.env) : undefined);
  await checkStaticConnections(flow, connections, io);
  const engine = createCliEngine({ ...(connections ? { connections } : {}) });
  const inputs = await readInputs(flow, options, io);
  const trace = options.trace ? await openTraceWriter(options.trace) : undefined;

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr("cancelling (press Ctrl-C again to quit now)\n");
    controller.abort("cancelled by Ctrl-C");
  };
  process.on("SIGINT", onSigint);
  try {
    const handle = engine.run(flow, {
      inputs,
      signal: controller.signal,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    if (!options.json || options.verbose)
      attachProgressReporter(handle, io, { verbose: Boolean(options.verbose) });
    if (options.stream) attachTokenPrinter(handle, io, options.json ? io.stderr : io.stdout);
    trace?.attach(handle);
    const result = await handle;
    await trace?.close();
    if (options.json) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      io.stdout(`${JSON.stringify(result.outputs, null, 2)}\n`);
      io.stderr(formatSummary(result, io));
    }
    return result;
  } finally {
    process.off("SIGINT", onSigint);
    // Closes the file when the run never started (invalid inputs); a write failure was thrown above.
    await trace?.close().catch(() => {});
  }
}

function usesStaticConnections(flow: CompiledFlow): boolean {
  return flow.nodes.some((node) => node.definition.connection !== undefined);
}

/**
 * An unknown static connection name is an invalid command (exit 2), reported before anything
 * runs. A static connection that only backs up a `dynamicConnection` may be missing: the run
 * fails only if the dynamic one resolves to nothing, so that is a warning.
 */
async function checkStaticConnections(
  flow: CompiledFlow,
  provider: ConnectionProvider | undefined,
  io: CliIo,
): Promise<void> {
  const missing = new Map<string, CompiledNode[]>();
  for (const node of flow.nodes) {
    const name = node.definition.connection;
    if (name !== undefined && !(await provider?.get(name)))
      missing.set(name, [...(missing.get(name) ?? []), node]);
  }
  if (missing.size === 0) return;
  const known = (await provider?.list?.()) ?? [];
  const stored = known.length ? `stored connections are ${known.join(", ")}` : "no connections are stored";
  const required: string[] = [];
  for (const [name, nodes] of missing) {
    if (nodes.some((node) => node.dynamicConnection === undefined)) {
      required.push(name);
    } else {
      io.stderr(
        `warning: static connection "${name}" (the fallback of ${nodes.map((node) => `"${node.id}"`).join(", ")}) is not stored: ` +
          `the run fails if the dynamic connection resolves to nothing (${stored})\n`,
      );
    }
  }
  if (required.length === 0) return;
  throw new FlowError(
    "connection.unknown",
    `unknown connection${required.length > 1 ? "s" : ""} ${required.map((name) => `"${name}"`).join(", ")}: ${stored} (add one with: weft connection create <name> ...)`,
  );
}

/** Inputs from --inputs-file, then --input name=value, then --input-env name=VAR (later ones win). */
async function readInputs(
  flow: CompiledFlow,
  options: RunCommandOptions,
  io: CliIo,
): Promise<Record<string, unknown>> {
  const declared = flow.flow.inputs ?? {};
  const inputs: Record<string, unknown> = {};
  if (options.inputsFile) {
    const text = await readRegularFile(options.inputsFile, {
      code: "cli.usage",
      expected: "a JSON file of input values",
      maxBytes: MAX_INPUTS_FILE_BYTES,
      label: `--inputs-file ${options.inputsFile}`,
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw usageError(`--inputs-file ${options.inputsFile}: expected a JSON object of input values`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw usageError(`--inputs-file ${options.inputsFile}: expected a JSON object of input values`);
    }
    Object.assign(inputs, parsed);
  }
  for (const pair of options.input) {
    const [name, value] = splitPair(pair, "--input", "name=value");
    inputs[name] = coerceInputText(name, declared[name]?.type, value);
  }
  for (const pair of options.inputEnv) {
    const [name, variable] = splitPair(pair, "--input-env", "name=VARIABLE");
    const value = io.env[variable];
    if (value === undefined)
      throw usageError(`--input-env ${pair}: environment variable ${variable} is not set`);
    inputs[name] = coerceEnvInput(name, declared[name]?.type, value, pair);
  }
  return inputs;
}

/** What an input of each type that can be refused must look like. */
const ENV_INPUT_SHAPES: Partial<Record<InputType, string>> = {
  number: "a number",
  boolean: "true or false",
  object: "a JSON object",
  array: "a JSON array",
};

/**
 * `--input-env` is how keys are passed, so a value of the wrong type is never quoted back: a key
 * mapped to a number or JSON input by mistake would otherwise be printed in the error.
 */
function coerceEnvInput(name: string, type: InputType | undefined, value: string, pair: string): unknown {
  try {
    return coerceInputText(name, type, value);
  } catch (error) {
    if (!(error instanceof FlowError)) throw error;
    throw new FlowError(
      "input.invalid",
      `--input-env ${pair}: input "${name}" expected ${ENV_INPUT_SHAPES[type ?? "string"] ?? `a ${type}`}, ` +
        "got something else (not shown: values read from the environment may be secrets)",
    );
  }
}
