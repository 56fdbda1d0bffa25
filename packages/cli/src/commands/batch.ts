import {
  type CompiledFlow,
  type ConnectionProvider,
  type Engine,
  MAX_BATCH_CONCURRENCY,
  MAX_BATCH_WAITING_ROWS,
  type Prices,
} from "@weft/engine";
import { checkDataFile, type DataFormat, dataFormatOf, readDataRows } from "../batch/data-rows.js";
import { driveBatch } from "../batch/drive-batch.js";
import { openResultsFile } from "../batch/results-file.js";
import { usageError } from "../cli-error.js";
import { openCliConnections } from "../connections.js";
import { createCliEngine } from "../create-engine.js";
import { loadFlowFile } from "../flow-file.js";
import type { CliIo } from "../io.js";
import { splitPair } from "../options.js";
import { BUILTIN_CATALOG, type CliCatalog } from "../plugins.js";
import { loadPrices } from "../prices-file.js";
import { checkStaticConnections, readInputs, usesStaticConnections } from "./run.js";

/** Options of `weft batch`. */
export interface BatchCommandOptions {
  data: string;
  output: string;
  map: string[];
  input: string[];
  inputEnv: string[];
  inputsFile?: string;
  concurrency?: number;
  maxWaitingRows?: number;
  maxFailures?: number;
  resume?: boolean;
  json?: boolean;
  /** A prices file: cost beside tokens (overrides weft.config's `prices`). */
  prices?: string;
  /** Static connections to use instead of the local store (tests). */
  connections?: ConnectionProvider;
  catalog?: CliCatalog;
}

/** A batch's flow, data and settings, read and checked before any row runs. */
export interface PreparedBatch {
  flow: CompiledFlow;
  format: DataFormat;
  map: Map<string, string>;
  inputs: Record<string, unknown>;
  prices: Prices | undefined;
  engine: Engine;
}

/**
 * `weft batch <flow> --data rows.jsonl --output results.jsonl`: runs the flow once per row, many
 * rows at once, one result line per row as it ends. The results file is the record of what is
 * done: `--resume` passes over its rows. Ctrl-C cancels the rows in flight (they are not written,
 * so a resumed batch runs them) and exits 130; a second Ctrl-C exits at once. Exit 0 when every
 * row succeeded, 1 when some failed, 2 for an invalid flow, command line or data file.
 */
export async function batchCommand(file: string, options: BatchCommandOptions, io: CliIo): Promise<number> {
  const prepared = await prepareBatch(file, options, io, { staticConnections: true });
  const { engine, flow, format } = prepared;
  checkAtMost("--concurrency", options.concurrency, MAX_BATCH_CONCURRENCY);
  checkAtMost("--max-waiting-rows", options.maxWaitingRows, MAX_BATCH_WAITING_ROWS);
  const controller = new AbortController();
  let done = new Set<number>();
  // Checks the map and inputs against the flow before the results file is created.
  const batch = engine.batch(flow, readDataRows(options.data, format), {
    map: prepared.map,
    inputs: prepared.inputs,
    textValues: format === "csv",
    signal: controller.signal,
    skip: (index) => done.has(index),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.maxWaitingRows === undefined ? {} : { maxWaitingRows: options.maxWaitingRows }),
    ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
  });
  const results = await openResultsFile(options.output, Boolean(options.resume));
  done = results.done.indexes;
  return driveBatch(io, { batch, results, controller, ...options, format });
}

/**
 * Reads what a batch needs, local or queued: the flow, the data file's format, `--map`, the inputs
 * for every row, prices. With `staticConnections`, the engine has the local store's connections
 * and the flow's are checked (a queued batch's workers bring their own).
 */
export async function prepareBatch(
  file: string,
  options: BatchCommandOptions,
  io: CliIo,
  { staticConnections }: { staticConnections: boolean },
): Promise<PreparedBatch> {
  const catalog = options.catalog ?? BUILTIN_CATALOG;
  const flow = await loadFlowFile(createCliEngine(catalog), file);
  const format = dataFormatOf(options.data);
  await checkDataFile(options.data);
  const map = readMaps(options.map);
  const connections =
    options.connections ??
    (staticConnections && usesStaticConnections(flow)
      ? await openCliConnections(io.env, catalog)
      : undefined);
  const pricesSource = options.prices ? { file: options.prices, label: options.prices } : catalog.prices;
  const prices = pricesSource ? await loadPrices(pricesSource) : undefined;
  const engine = createCliEngine(catalog, {
    ...(connections ? { connections } : {}),
    ...(prices ? { prices } : {}),
  });
  if (staticConnections) await checkStaticConnections(engine, flow, io);
  const inputs = await readInputs(flow, options, io);
  return { flow, format, map, inputs, prices, engine };
}

/** `--map input=template`, each input once. */
function readMaps(pairs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const [name, template] = splitPair(pair, "--map", "input=${data.<column>}");
    if (map.has(name)) throw usageError(`--map: input ${JSON.stringify(name)} is mapped twice`);
    map.set(name, template);
  }
  return map;
}

/** A number option past its limit is a usage error (commander has checked that it is whole). */
function checkAtMost(option: string, value: number | undefined, max: number): void {
  if (value !== undefined && value > max)
    throw usageError(`${option}: expected at most ${max}, got ${value}`);
}
