import {
  type CompiledFlow,
  type ConnectionProvider,
  coerceInputText,
  type Engine,
  FlowError,
  type InputType,
  MAX_INPUTS_FILE_BYTES,
  MAX_RESULT_JSON_LENGTH,
  MAX_SUGGESTED_NAMES,
  type RunResult,
  stringifyBounded,
} from "@weft/engine";
import { readRegularFile } from "@weft/store";
import { EXIT_INTERRUPTED, exitCodeForRun, usageError } from "../cli-error.js";
import { openCliConnections } from "../connections.js";
import { createCliEngine } from "../create-engine.js";
import { loadFlowFile } from "../flow-file.js";
import type { CliIo } from "../io.js";
import { splitPair } from "../options.js";
import { BUILTIN_CATALOG, type CliCatalog } from "../plugins.js";
import { loadPrices } from "../prices-file.js";
import { attachEventLines } from "../reporters/event-lines.js";
import { LineWriter } from "../reporters/line-writer.js";
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
  /** A prices file: cost beside tokens (overrides weft.config's `prices`). */
  prices?: string;
  verbose?: boolean;
  /** Static connections to use instead of the local store (the demo, tests). */
  connections?: ConnectionProvider;
  /** Node types and connection kinds: the built-ins unless plug-ins add some. */
  catalog?: CliCatalog;
}

/**
 * `weft run <flow>`. Stdout carries only the result: the outputs as JSON, or with `--json` the run
 * result; with `--json --stream`, every event as a JSON line and then the result. Progress, tokens
 * and warnings go to stderr. Exit 0 when the run succeeded, 1 when it failed, 130 after Ctrl-C.
 */
export async function runCommand(file: string, options: RunCommandOptions, io: CliIo): Promise<number> {
  const { result, interrupted } = await executeFlowFile(file, options, io);
  return exitCodeForRun(result.status, interrupted);
}

/** Runs a flow file with reporters attached, and returns its result. */
export async function runFlowFile(file: string, options: RunCommandOptions, io: CliIo): Promise<RunResult> {
  return (await executeFlowFile(file, options, io)).result;
}

async function executeFlowFile(
  file: string,
  options: RunCommandOptions,
  io: CliIo,
): Promise<{ result: RunResult; interrupted: boolean }> {
  const catalog = options.catalog ?? BUILTIN_CATALOG;
  const flow = await loadFlowFile(createCliEngine(catalog), file);
  const connections =
    options.connections ??
    (usesStaticConnections(flow) ? await openCliConnections(io.env, catalog) : undefined);
  const pricesSource = options.prices ? { file: options.prices, label: options.prices } : catalog.prices;
  const prices = pricesSource ? await loadPrices(pricesSource) : undefined;
  const engine = createCliEngine(catalog, {
    ...(connections ? { connections } : {}),
    ...(prices ? { prices } : {}),
  });
  await checkStaticConnections(engine, flow, io);
  const inputs = await readInputs(flow, options, io);
  const trace = options.trace ? await openTraceWriter(options.trace) : undefined;
  const eventLines = Boolean(options.json && options.stream);
  const stderr = new LineWriter(io.stderr);

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    stderr.lines("cancelling (press Ctrl-C again to quit now)\n");
    controller.abort("cancelled by Ctrl-C");
  };
  process.on("SIGINT", onSigint);
  try {
    const handle = engine.run(flow, {
      inputs,
      signal: controller.signal,
      stream: Boolean(options.stream),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    if (!options.json || options.verbose)
      attachProgressReporter(handle, io, stderr, { verbose: Boolean(options.verbose) });
    if (eventLines) attachEventLines(handle, io.stdout);
    else if (options.stream) attachTokenPrinter(handle, io, stderr);
    trace?.attach(handle);
    const result = await handle;
    await trace?.close();
    // Bounded: a result can hold any number of long strings (a chain of nodes passing one on).
    const limit = { maxLength: MAX_RESULT_JSON_LENGTH };
    if (eventLines) {
      io.stdout(`${stringifyBounded(result, limit)}\n`);
    } else if (options.json) {
      io.stdout(`${stringifyBounded(result, { ...limit, indent: 2 })}\n`);
    } else {
      io.stdout(`${stringifyBounded(result.outputs, { ...limit, indent: 2 })}\n`);
      stderr.lines(formatSummary(result, io));
    }
    return { result, interrupted: controller.signal.aborted };
  } finally {
    process.off("SIGINT", onSigint);
    // Closes the file when the run never started (invalid inputs); a write failure was thrown above.
    await trace?.close().catch(() => {});
  }
}

export function usesStaticConnections(flow: CompiledFlow): boolean {
  return flow.flow.nodes.some((node) => node.connection !== undefined);
}

/**
 * The engine's pre-run check, printed: a static connection a node relies on is an invalid command
 * (exit 2) before anything runs; one that only backs up a `dynamicConnection` is a warning.
 */
export async function checkStaticConnections(engine: Engine, flow: CompiledFlow, io: CliIo): Promise<void> {
  const problems = await engine.checkConnections(flow);
  const errors = problems.filter((problem) => problem.severity === "error");
  const warnings = problems.filter((problem) => problem.severity === "warning");
  for (const warning of warnings.slice(0, MAX_SUGGESTED_NAMES)) io.stderr(`warning: ${warning.message}\n`);
  if (warnings.length > MAX_SUGGESTED_NAMES)
    io.stderr(`warning: ${warnings.length - MAX_SUGGESTED_NAMES} more unknown fallback connections\n`);
  const [first, ...others] = errors;
  if (first === undefined) return;
  const unknown = first.code === "connection.unknown";
  const noun = unknown ? "unknown connection" : "problem";
  const more =
    others.length === 0 ? "" : ` (and ${others.length} more ${noun}${others.length === 1 ? "" : "s"})`;
  const hint = unknown ? " (add one with: weft connection create <name> ...)" : "";
  throw new FlowError(first.code, `${first.message}${more}${hint}`);
}

/**
 * Inputs from --inputs-file, then --input name=value, then --input-env name=VAR (later ones win).
 * Names are kept as data (a Map, then own keys), so `--input __proto__=1` or `constructor=1` reaches
 * the engine's input check and is refused there like any name the flow does not declare.
 */
export async function readInputs(
  flow: CompiledFlow,
  options: Pick<RunCommandOptions, "input" | "inputEnv" | "inputsFile">,
  io: CliIo,
): Promise<Record<string, unknown>> {
  const declared = flow.flow.inputs ?? {};
  const typeOf = (name: string) => (Object.hasOwn(declared, name) ? declared[name]?.type : undefined);
  const inputs = new Map<string, unknown>();
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
    for (const [name, value] of Object.entries(parsed)) inputs.set(name, value);
  }
  for (const pair of options.input) {
    const [name, value] = splitPair(pair, "--input", "name=value");
    inputs.set(name, coerceInputText(name, typeOf(name), value));
  }
  for (const pair of options.inputEnv) {
    const [name, variable] = splitPair(pair, "--input-env", "name=VARIABLE");
    const value = Object.hasOwn(io.env, variable) ? io.env[variable] : undefined;
    if (value === undefined)
      throw usageError(`--input-env ${pair}: environment variable ${variable} is not set`);
    inputs.set(name, coerceEnvInput(name, typeOf(name), value, pair));
  }
  return Object.fromEntries(inputs);
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
