import { startWorker } from "@weft/queue";
import { EXIT_INTERRUPTED, EXIT_OK } from "../cli-error.js";
import { openWorkerConnections } from "../connections.js";
import type { CliIo } from "../io.js";
import type { CliCatalog } from "../plugins.js";

/** Options of `weft worker`. */
export interface WorkerCommandOptions {
  queue: string;
  concurrency?: number;
  queuePrefix?: string;
  lockDuration?: number;
  stalledInterval?: number;
  catalog: CliCatalog;
}

/**
 * `weft worker --queue redis://…`: runs rows of any queued batch until stopped. Static connections
 * come from this machine's store, as for `weft run`; dynamic ones from the rows. SIGTERM or Ctrl-C
 * stops taking rows and lets the rows running end (their results are kept); a second one quits
 * at once (those rows run again on another worker). Exit 0 after SIGTERM, 130 after Ctrl-C.
 */
export async function workerCommand(options: WorkerCommandOptions, io: CliIo): Promise<number> {
  const connections = await openWorkerConnections(io.env, options.catalog);
  const worker = await startWorker({
    url: options.queue,
    secretKey: io.env.WEFT_SECRET_KEY ?? "",
    nodeTypes: options.catalog.nodeTypes,
    connectionKinds: options.catalog.connectionKinds,
    ...(connections ? { connections } : {}),
    ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.lockDuration ? { lockDurationMs: options.lockDuration } : {}),
    ...(options.stalledInterval ? { stalledIntervalMs: options.stalledInterval } : {}),
    log: (line) => io.stderr(`worker: ${line}\n`),
  });
  io.stderr(`worker ready: running rows (${options.concurrency ?? 8} at once); SIGTERM or Ctrl-C stops it\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  io.stderr("worker: stopping: the rows running end first (again to quit now)\n");
  const quit = () => process.exit(EXIT_INTERRUPTED);
  process.once("SIGTERM", quit);
  process.once("SIGINT", quit);
  await worker.close();
  process.off("SIGTERM", quit);
  process.off("SIGINT", quit);
  io.stderr("worker: stopped\n");
  return signal === "SIGINT" ? EXIT_INTERRUPTED : EXIT_OK;
}
