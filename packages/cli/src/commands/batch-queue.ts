import { checkRedisUrl, readBatchStatus, cancelBatch as requestCancel, startQueueBatch } from "@weft/queue";
import { readDataRows } from "../batch/data-rows.js";
import { driveBatch } from "../batch/drive-batch.js";
import { openResultsFile } from "../batch/results-file.js";
import { EXIT_OK, EXIT_RUN_FAILED, usageError } from "../cli-error.js";
import type { CliIo } from "../io.js";
import { type BatchCommandOptions, prepareBatch } from "./batch.js";

/** Options of `weft batch --queue`. */
export interface QueueBatchCommandOptions extends BatchCommandOptions {
  /** The Redis URL. */
  queue: string;
  batchId?: string;
  /** The key prefix in Redis (`weft`). */
  queuePrefix?: string;
}

/**
 * `weft batch <flow> … --queue redis://host:port`: the rows run on `weft worker` processes. The
 * flow and the batch's settings go to Redis once, rows are enqueued (sealed with
 * `WEFT_SECRET_KEY`) as workers take them, and results are written as they come back, with the
 * same progress, summary and exit codes as a local batch. `--concurrency` is the workers' own.
 */
export async function queueBatchCommand(
  file: string,
  options: QueueBatchCommandOptions,
  io: CliIo,
): Promise<number> {
  const shown = checkRedisUrl(options.queue);
  const prepared = await prepareBatch(file, options, io, { staticConnections: false });
  const { engine, flow, format } = prepared;
  const batchOptions = { map: prepared.map, inputs: prepared.inputs, textValues: format === "csv" };
  // Checks the map and inputs against the flow, as a local batch does, before anything is enqueued.
  engine.batch(flow, [], batchOptions);
  const controller = new AbortController();
  let done = new Set<number>();
  const batch = await startQueueBatch({
    url: options.queue,
    secretKey: io.env.WEFT_SECRET_KEY ?? "",
    ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
    ...(options.batchId ? { batchId: options.batchId } : {}),
    flow,
    rows: readDataRows(options.data, format),
    ...batchOptions,
    ...(prepared.prices ? { prices: prepared.prices } : {}),
    skip: (index) => done.has(index),
    signal: controller.signal,
    ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
    log: (line) => io.stderr(`${line}\n`),
  });
  let results: Awaited<ReturnType<typeof openResultsFile>>;
  try {
    results = await openResultsFile(options.output, Boolean(options.resume));
  } catch (error) {
    await batch.close();
    throw error;
  }
  done = results.done.indexes;
  const prefix = options.queuePrefix ? ` --queue-prefix ${options.queuePrefix}` : "";
  io.stderr(
    `batch ${batch.batchId} on ${shown}: rows run on weft worker processes (weft batch --queue ${shown}${prefix} --batch-id ${batch.batchId} --status)\n`,
  );
  return driveBatch(io, { batch, results, controller, ...options, format });
}

/** `weft batch --queue … --batch-id ID --status | --cancel`. */
export async function queueBatchControl(
  options: {
    queue: string;
    batchId: string;
    queuePrefix?: string;
    status?: boolean;
    cancel?: boolean;
    json?: boolean;
  },
  io: CliIo,
): Promise<number> {
  const where = {
    url: options.queue,
    batchId: options.batchId,
    ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
  };
  checkRedisUrl(options.queue);
  if (options.cancel) {
    await requestCancel(where);
    io.stderr(`asked batch ${options.batchId} to stop: its producer takes its waiting rows off the queue\n`);
    return EXIT_OK;
  }
  const status = await readBatchStatus(where);
  if (!status) throw usageError(`--status: Redis knows no batch ${options.batchId}`);
  if (options.json) io.stdout(`${JSON.stringify(status, null, 2)}\n`);
  else {
    io.stdout(
      `batch ${status.batchId}: ${status.state}${status.cancelRequested && status.state === "running" ? " (cancel asked)" : ""} · ${status.succeeded} succeeded · ${status.failed} failed · ${status.inFlight} in flight · ${status.rowsRead} rows read (${status.skipped} done before) · updated ${status.updatedAt}\n`,
    );
  }
  return status.state === "running" || status.state === "completed" ? EXIT_OK : EXIT_RUN_FAILED;
}
