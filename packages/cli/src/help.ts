import { type Command, Help, type Option } from "commander";

/**
 * Examples for each command's `--help`, by command path. Every command has some: a help page is
 * where people look for the exact shape of a command line.
 */
export const HELP_EXAMPLES: ReadonlyMap<string, readonly string[]> = new Map([
  [
    "weft",
    [
      "weft demo",
      "weft run examples/variables/variables.flow.json --input seats=5",
      "weft validate examples/*/*.flow.json",
      "weft <command> --help",
    ],
  ],
  [
    "weft run",
    [
      "weft run examples/variables/variables.flow.json --input seats=5",
      'weft run flow.json --input question="Hi" --input-env customerKey=CUSTOMER_KEY',
      "weft run flow.json --stream                # tokens on stderr as they arrive",
      "weft run flow.json | jq .answer            # stdout is only the outputs, as JSON",
      "weft run flow.json --json                  # the whole run result, errors as JSON too",
      "weft run flow.json --json --stream         # one event per line, the result last",
      "weft run flow.json --plugin ./my-nodes.mjs # node types and connection kinds of your own",
    ],
  ],
  [
    "weft batch",
    [
      "weft batch flow.json --data rows.jsonl --output results.jsonl",
      "weft batch flow.json --data rows.csv --output out.jsonl --map question='${data.text}'",
      "weft batch flow.json --data rows.jsonl --output out.jsonl --resume   # continue after a crash or Ctrl-C",
      "weft batch flow.json --data rows.jsonl --output out.jsonl --concurrency 32 --input-env key=KEY",
      "weft batch flow.json --data rows.jsonl --output out.jsonl --json | jq .usage",
      "weft batch flow.json --data rows.jsonl --output out.jsonl --queue redis://127.0.0.1:6379 --batch-id nightly",
      "weft batch --queue redis://127.0.0.1:6379 --batch-id nightly --status   # or --cancel",
    ],
  ],
  [
    "weft worker",
    [
      "WEFT_SECRET_KEY=… weft worker --queue redis://127.0.0.1:6379",
      "weft worker --queue redis://redis.internal:6379/2 --concurrency 16 --plugin ./my-nodes.mjs",
    ],
  ],
  [
    "weft validate",
    [
      "weft validate examples/*/*.flow.json",
      "weft validate flow.json --json",
      "weft validate flow.json --plugin ./my-nodes.mjs   # node types of your own",
    ],
  ],
  [
    "weft graph",
    ["weft graph flow.json > flow.mmd", "weft graph flow.json --format dot | dot -Tsvg > flow.svg"],
  ],
  [
    "weft schema",
    ["weft schema > flow.schema.json", "weft schema --plugin ./my-nodes.mjs > flow.schema.json"],
  ],
  [
    "weft mock-llm",
    ["weft mock-llm --port 4010", "weft mock-llm --port 4010 --key customer=test-key-1 --delay 200"],
  ],
  ["weft demo", ["weft demo"]],
  [
    "weft init",
    ["weft init my-flow              # a flow, its schema, weft.config.mjs and a README", "weft init"],
  ],
  ["weft connection", ["weft connection list", "weft connection create --help"]],
  [
    "weft connection create",
    [
      "weft connection create shared-foundry --type azure-ai \\\n" +
        "    --endpoint https://<resource>.services.ai.azure.com/models --api-key-env SHARED_KEY",
      "weft connection create local --type openai --base-url http://127.0.0.1:4010/v1 --api-key-env KEY",
      'printf %s "$KEY" | weft connection create team --type azure-ai --endpoint <url> --api-key-stdin',
    ],
  ],
  ["weft connection list", ["weft connection list", "weft connection list --json"]],
  ["weft connection show", ["weft connection show shared-foundry --json"]],
  [
    "weft connection update",
    [
      "weft connection update shared-foundry --api-key-env NEW_SHARED_KEY",
      "weft connection update shared-foundry --max-concurrency 4",
    ],
  ],
  ["weft connection delete", ["weft connection delete shared-foundry"]],
  [
    "weft connection import",
    ["weft connection import connections.yaml", "weft connection import promptflow-connection.yaml --force"],
  ],
  [
    "weft connection test",
    ["weft connection test shared-foundry", "weft connection test shared-foundry --json"],
  ],
  [
    "weft connection rotate-key",
    ["WEFT_NEW_KEY=$(openssl rand -base64 32) weft connection rotate-key --new-key-env WEFT_NEW_KEY"],
  ],
]);

/** The path of a command as typed: `weft connection create`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

/**
 * Finishes every help page of the command tree: examples at the end, no `(default: [])` after
 * repeatable options (their empty list is an implementation detail, not a default worth reading),
 * and the global options (`--plugin`) on the pages of the commands that load plug-ins.
 */
export function configureHelpPages(program: Command, pluginCommands: ReadonlySet<string>): void {
  const visit = (command: Command) => {
    const top = commandPath(command).split(" ")[1];
    command.configureHelp({
      optionDescription: describeOption,
      showGlobalOptions: top !== undefined && pluginCommands.has(top),
    });
    const examples = HELP_EXAMPLES.get(commandPath(command));
    if (examples) {
      command.addHelpText("after", `\nExamples:\n${examples.map((line) => `  $ ${line}`).join("\n")}\n`);
    }
    for (const child of command.commands) visit(child);
  };
  visit(program);
}

function describeOption(this: Help, option: Option): string {
  const base = Help.prototype.optionDescription;
  if (!Array.isArray(option.defaultValue) || option.defaultValue.length > 0) return base.call(this, option);
  // The same option without its default: its methods come from the prototype chain.
  return base.call(this, Object.assign(Object.create(option) as Option, { defaultValue: undefined }));
}
