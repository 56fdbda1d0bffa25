import {
  type BatchRowResult,
  BatchTally,
  type ConnectionProvider,
  MAX_BATCH_CONCURRENCY,
  MAX_BATCH_RESULT_LINE_LENGTH,
  MAX_BATCH_WAITING_ROWS,
  stringifyBounded,
} from "@weft/engine";
import { startBatchProgress } from "../batch/batch-progress.js";
import { formatBatchSummary } from "../batch/batch-summary.js";
import { countRows } from "../batch/count-rows.js";
import { checkDataFile, dataFormatOf, readDataRows } from "../batch/data-rows.js";
import { openResultsFile } from "../batch/results-file.js";
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, usageError } from "../cli-error.js";
import { openCliConnections } from "../connections.js";
import { createCliEngine } from "../create-engine.js";
import { loadFlowFile } from "../flow-file.js";
import type { CliIo } from "../io.js";
import { splitPair } from "../options.js";
import { BUILTIN_CATALOG, type CliCatalog } from "../plugins.js";
import { loadPrices } from "../prices-file.js";
import { LineWriter } from "../reporters/line-writer.js";
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

/**
 * `weft batch <flow> --data rows.jsonl --output results.jsonl`: runs the flow once per row, many
 * rows at once, one result line per row as it ends. The results file is the record of what is
 * done: `--resume` passes over its rows. Ctrl-C cancels the rows in flight (they are not written,
 * so a resumed batch runs them) and exits 130; a second Ctrl-C exits at once. Exit 0 when every
 * row succeeded, 1 when some failed, 2 for an invalid flow, command line or data file.
 */
export async function batchCommand(file: string, options: BatchCommandOptions, io: CliIo): Promise<number> {
  const catalog = options.catalog ?? BUILTIN_CATALOG;
  const flow = await loadFlowFile(createCliEngine(catalog), file);
  const format = dataFormatOf(options.data);
  await checkDataFile(options.data);
  const map = readMaps(options.map);
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

  checkAtMost("--concurrency", options.concurrency, MAX_BATCH_CONCURRENCY);
  checkAtMost("--max-waiting-rows", options.maxWaitingRows, MAX_BATCH_WAITING_ROWS);
  const controller = new AbortController();
  let done = new Set<number>();
  // Checks the map and inputs against the flow before the results file is created.
  const batch = engine.batch(flow, readDataRows(options.data, format), {
    map,
    inputs,
    textValues: format === "csv",
    signal: controller.signal,
    skip: (index) => done.has(index),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.maxWaitingRows === undefined ? {} : { maxWaitingRows: options.maxWaitingRows }),
    ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
  });
  const results = await openResultsFile(options.output, Boolean(options.resume));
  done = results.done.indexes;
  const stderr = new LineWriter(io.stderr);
  if (results.done.repairedBytes > 0) {
    stderr.lines(
      `repaired ${options.output}: removed a half-written last line (${results.done.repairedBytes} bytes); its row runs again\n`,
    );
  }

  const tally = new BatchTally();
  const startedAt = performance.now();
  let totalRows: number | undefined;
  void countRows(options.data, format, controller.signal).then((count) => {
    totalRows = count;
  });
  const progress = startBatchProgress(io, {
    batch,
    tally,
    doneBefore: done.size,
    totalRows: () => totalRows,
    startedAt,
  });
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    progress.note("cancelling the rows in flight (press Ctrl-C again to quit now)\n");
    controller.abort("cancelled by Ctrl-C");
  };
  process.on("SIGINT", onSigint);
  let failure: unknown;
  try {
    for await (const result of batch) {
      tally.add(result);
      // A cancelled row is not done: it gets no line, and a resumed batch runs it.
      if (result.status !== "cancelled") await results.append(resultLine(result));
    }
  } catch (error) {
    failure = error;
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
    await results.close();
    // Stops the row count if it still runs.
    if (!controller.signal.aborted) controller.abort("the batch ended");
  }
  const summary = tally.summary(batch.stopReason, batch.skipped);
  const report = {
    ...summary,
    output: options.output,
    before: { succeeded: results.done.succeeded, failed: results.done.failed },
  };
  stderr.lines(formatBatchSummary(report, io));
  if (failure !== undefined) throw failure;
  if (options.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  if (summary.stopReason === "cancelled") return EXIT_INTERRUPTED;
  const failed = summary.failed + results.done.failed;
  return failed > 0 || summary.stopReason !== "completed" ? EXIT_RUN_FAILED : EXIT_OK;
}

/** One line of the results file: the row's index, status, outputs or error, usage and duration. */
function resultLine(result: BatchRowResult): string {
  const line = {
    index: result.index,
    status: result.status,
    ...(result.outputs ? { outputs: result.outputs } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.usage ? { usage: result.usage } : {}),
    durationMs: result.durationMs,
  };
  return stringifyBounded(line, { maxLength: MAX_BATCH_RESULT_LINE_LENGTH });
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
