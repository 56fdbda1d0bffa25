import { type Command, Option } from "commander";
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
    .argument("<flow>", "path to a .flow.json file")
    .requiredOption(
      "--data <file>",
      "rows: a .jsonl file (one JSON object per line) or a .csv file with a header",
    )
    .requiredOption(
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
    .action(async (flow: string, options) => {
      const { batchCommand } = await import("./batch.js");
      setExit(await batchCommand(flow, { ...options, catalog }, io));
    });
}
