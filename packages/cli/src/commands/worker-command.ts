import { type Command, Option } from "commander";
import type { CliIo } from "../io.js";
import { positiveInteger } from "../options.js";
import type { CliCatalog } from "../plugins.js";

/** Declares `weft worker`; the command itself (and the queue's libraries) load on first use. */
export function registerWorkerCommand(
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
  catalog: CliCatalog,
): void {
  program
    .command("worker")
    .description(
      "Run rows of batches started with weft batch --queue: start as many as you like, on any machine that reaches Redis",
    )
    .requiredOption(
      "--queue <redis-url>",
      "the Redis to take rows from: redis://host:port[/db]; needs WEFT_SECRET_KEY",
    )
    .addOption(
      new Option("--concurrency <n>", "rows running at once in this worker (default 8)").argParser(
        positiveInteger,
      ),
    )
    .option("--queue-prefix <prefix>", "the key prefix in Redis, the producer's (default weft)")
    .addOption(
      new Option(
        "--lock-duration <ms>",
        "how long a row stays locked to a worker that stopped answering before another runs it (default 30000)",
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option(
        "--stalled-interval <ms>",
        "how often rows of stopped workers are looked for (default 30000)",
      ).argParser(positiveInteger),
    )
    .action(async (options) => {
      const { workerCommand } = await import("./worker.js");
      setExit(await workerCommand({ ...options, catalog }, io));
    });
}
