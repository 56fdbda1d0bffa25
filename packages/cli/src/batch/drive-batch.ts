import {
  type BatchRowResult,
  type BatchStopReason,
  BatchTally,
  MAX_BATCH_RESULT_LINE_LENGTH,
  stringifyBounded,
} from "@weft/engine";
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED } from "../cli-error.js";
import type { CliIo } from "../io.js";
import { LineWriter } from "../reporters/line-writer.js";
import { startBatchProgress } from "./batch-progress.js";
import { formatBatchSummary } from "./batch-summary.js";
import { countRows } from "./count-rows.js";
import type { DataFormat } from "./data-rows.js";
import type { ResultsFile } from "./results-file.js";

/** A batch to drive: a local `BatchRun`, or a batch whose rows run on workers. */
export interface DrivenBatch extends AsyncIterable<BatchRowResult> {
  readonly stopReason: BatchStopReason | undefined;
  readonly skipped: number;
  readonly inFlight: number;
  /** Of those in flight, rows waiting on a throttled connection without a slot (a local batch). */
  readonly waiting?: number;
}

/** What `driveBatch` writes to and shows. */
export interface DriveBatchOptions {
  batch: DrivenBatch;
  results: ResultsFile;
  /** Aborting it cancels the batch (Ctrl-C aborts it); aborted at the end, to stop the row count. */
  controller: AbortController;
  data: string;
  format: DataFormat;
  output: string;
  json?: boolean;
}

/**
 * Runs a batch to its end, as `weft batch` shows it, local or queued: the progress display, one
 * result line per row that ended (a cancelled row gets none, so a resumed batch runs it), Ctrl-C
 * to cancel (twice to quit at once), the summary on stderr (and stdout with `--json`). Gives the
 * exit code: 0 every row succeeded, 1 some failed, 130 cancelled.
 */
export async function driveBatch(io: CliIo, options: DriveBatchOptions): Promise<number> {
  const { batch, results, controller } = options;
  const stderr = new LineWriter(io.stderr);
  if (results.done.repairedBytes > 0) {
    stderr.lines(
      `repaired ${options.output}: removed a half-written last line (${results.done.repairedBytes} bytes); its row runs again\n`,
    );
  }
  const tally = new BatchTally();
  const startedAt = performance.now();
  let totalRows: number | undefined;
  void countRows(options.data, options.format, controller.signal).then((count) => {
    totalRows = count;
  });
  const progress = startBatchProgress(io, {
    batch,
    tally,
    doneBefore: results.done.indexes.size,
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
