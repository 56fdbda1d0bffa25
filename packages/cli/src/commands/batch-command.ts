import { type Command, Option } from "commander";
import { usageError } from "../cli-error.js";
import type { CliIo } from "../io.js";
import { collect, nonNegativeInteger, positiveInteger } from "../options.js";
import type { CliCatalog } from "../plugins.js";

/** Declares `weft batch`; the command itself loads on first use. */
export function registerBatchCommand(
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
  catalog: CliCatalog,
): void {
  program
    .command("batch")
    .description("Run a flow once per row of a JSONL or CSV file, many rows at once; one result line per row")
    .argument("[flow]", "path to a .flow.json file")
    .option("--data <file>", "rows: a .jsonl file (one JSON object per line) or a .csv file with a header")
    .option(
      "--output <file>",
      "results: one JSON line per row (index, status, outputs, error, usage, durationMs); must not exist unless --resume",
    )
    .option(
      "--map <input=template>",
      "where an input comes from, e.g. question=${data.q} (repeatable); unmapped inputs take the column of their name",
      collect,
      [],
    )
    .option("-i, --input <name=value>", "an input value for every row (repeatable)", collect, [])
    .option(
      "--input-env <name=VAR>",
      "an input for every row from an environment variable (for keys)",
      collect,
      [],
    )
    .option("--inputs-file <file>", "a JSON file of input values for every row")
    .addOption(new Option("--concurrency <n>", "rows running at once (default 8)").argParser(positiveInteger))
    .addOption(
      new Option("--max-failures <n>", "stop starting rows after this many failed").argParser(
        positiveInteger,
      ),
    )
    .addOption(
      new Option(
        "--max-waiting-rows <n>",
        "rows that may wait on a throttled connection on top of --concurrency, giving their slot to other rows (default 1000; 0: none)",
      ).argParser(nonNegativeInteger),
    )
    .option("--resume", "continue the batch that wrote --output: rows with a result line are not run again")
    .option("--prices <file>", "a JSON file of prices per million tokens: cost beside tokens")
    .option("--json", "print the summary as JSON on stdout")
    .option(
      "--queue <redis-url>",
      "run the rows on weft worker processes through Redis (redis://host:port[/db]); needs WEFT_SECRET_KEY",
    )
    .option(
      "--batch-id <id>",
      "with --queue: the batch's id (letters, digits, _ and -); a random one unless given",
    )
    .option("--status", "with --queue and --batch-id: print the batch's progress")
    .option("--cancel", "with --queue and --batch-id: stop the batch (its waiting rows are not run)")
    .option("--queue-prefix <prefix>", "with --queue: the key prefix in Redis, the workers' (default weft)")
    .action(async (flow: string | undefined, options) => {
      if (options.status || options.cancel) {
        if (!options.queue || !options.batchId)
          throw usageError(
            `--${options.status ? "status" : "cancel"}: expected --queue <redis-url> and --batch-id <id>`,
          );
        const { queueBatchControl } = await import("./batch-queue.js");
        setExit(await queueBatchControl(options, io));
        return;
      }
      if (flow === undefined) throw usageError("missing required argument 'flow'");
      for (const name of ["data", "output"] as const)
        if (options[name] === undefined) throw usageError(`required option '--${name} <file>' not specified`);
      if (options.batchId && !options.queue) throw usageError("--batch-id: expected --queue <redis-url> too");
      if (options.queue && options.concurrency !== undefined)
        throw usageError(
          "--concurrency: with --queue, rows run at once on each worker: weft worker --concurrency N",
        );
      if (options.queue) {
        const { queueBatchCommand } = await import("./batch-queue.js");
        setExit(await queueBatchCommand(flow, { ...options, catalog }, io));
        return;
      }
      const { batchCommand } = await import("./batch.js");
      setExit(await batchCommand(flow, { ...options, catalog }, io));
    });
}
