import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { bindNodeTypes, flowJsonSchema } from "@weft/engine";
import { EXIT_OK, usageError } from "../cli-error.js";
import type { CliIo } from "../io.js";
import { BUILTIN_CATALOG } from "../plugins.js";

/** The port the scaffolded README starts `weft mock-llm` on. */
export const INIT_MOCK_LLM_PORT = 4010;

/** The flow `weft init` writes: one chat completion through a static connection named `llm`. */
export const INIT_FLOW_FILE = "hello.flow.json";

/**
 * `weft init [dir]`: starts a project in a folder (created if needed) — a flow, the flow JSON Schema
 * its `$schema` points at (so editors check it offline), a `weft.config.mjs`, and a README with the
 * commands that run the flow offline. Never overwrites: when any of these files exists, it names
 * them and writes nothing (exit 2).
 */
export async function initCommand(dir: string | undefined, io: CliIo): Promise<number> {
  const folder = resolve(dir ?? ".");
  const files = scaffoldFiles(basename(folder));
  const existing: string[] = [];
  for (const name of files.keys()) {
    if (await stat(join(folder, name)).catch(() => undefined)) existing.push(name);
  }
  if (existing.length > 0) {
    throw usageError(
      `${folder} already has ${existing.join(", ")}; weft init writes nothing over existing files ` +
        "(move them away, or pick another folder: weft init <dir>)",
    );
  }
  await mkdir(folder, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot create the folder ${folder} (${error.code})`);
  });
  for (const [name, text] of files) {
    await writeFile(join(folder, name), text, { flag: "wx" });
  }
  io.stdout(
    `Created a Weft project in ${folder}:\n` +
      [...files.keys()].map((name) => `  ${name}\n`).join("") +
      `Run the flow offline: see ${join(folder, "README.md")}\n`,
  );
  return EXIT_OK;
}

/** The files `weft init` writes, by name, in the order it writes them. */
function scaffoldFiles(projectName: string): Map<string, string> {
  return new Map([
    [INIT_FLOW_FILE, HELLO_FLOW],
    [
      "flow.schema.json",
      `${JSON.stringify(flowJsonSchema(bindNodeTypes(BUILTIN_CATALOG.nodeTypes, BUILTIN_CATALOG.connectionKinds)), null, 2)}\n`,
    ],
    ["weft.config.mjs", WEFT_CONFIG],
    ["README.md", readme(projectName)],
  ]);
}

const HELLO_FLOW = `{
  "$schema": "./flow.schema.json",
  "name": "hello",
  "description": "Answers a question with one chat completion, through the static connection llm.",
  "inputs": {
    "question": { "type": "string", "default": "What is a flow?" }
  },
  "nodes": [
    {
      "id": "answer",
      "type": "chat-completion",
      "connection": "llm",
      "inputs": { "model": "gpt-4o-mini", "system": "Answer in one sentence.", "prompt": "\${inputs.question}" }
    }
  ],
  "outputs": {
    "answer": "\${nodes.answer.output.content}",
    "totalTokens": "\${nodes.answer.output.usage.totalTokens}"
  }
}
`;

const WEFT_CONFIG = `// Weft's settings for this folder and the folders below it. List plug-in modules here: each
// default-exports { nodeTypes, connectionKinds } of your own, e.g. "./my-nodes.mjs" (relative to
// this file) or a package name.
export default {
  plugins: [],
};
`;

function readme(projectName: string): string {
  const port = INIT_MOCK_LLM_PORT;
  return `# ${projectName}

A Weft project. \`${INIT_FLOW_FILE}\` answers a question with one chat completion, through the
static connection \`llm\`.

## Run it offline

No keys and no network: \`weft mock-llm\` is an offline LLM server that speaks the Azure AI Foundry,
Azure OpenAI and OpenAI wire formats, and answers every request with a short deterministic reply.

In one terminal, start it on a fixed port:

\`\`\`sh
weft mock-llm --port ${port}
\`\`\`

In another, in this folder, save a connection named \`llm\` that points at it (the server accepts
any key), then run the flow:

\`\`\`sh
LLM_KEY=offline-key weft connection create llm --type azure-ai --endpoint http://127.0.0.1:${port}/models --api-key-env LLM_KEY
weft run ${INIT_FLOW_FILE} --input question="What is a flow?"
\`\`\`

The connection is saved, its key encrypted, in the store in \`$WEFT_HOME\` (default \`~/.weft\`);
\`weft connection list\` shows what is there.

## Use a real model

Point \`llm\` at your Azure AI Foundry resource instead; the key is read from standard input, so it
stays out of your shell history:

\`\`\`sh
weft connection create llm --force --type azure-ai --endpoint https://<resource>.services.ai.azure.com/models --api-key-stdin
\`\`\`

An Azure OpenAI deployment (\`https://<resource>.openai.azure.com/openai/deployments/<deployment>\`)
works the same way, and \`--type openai\` reaches OpenAI or any OpenAI-compatible server.

## Files

- \`${INIT_FLOW_FILE}\`: the flow. \`weft validate ${INIT_FLOW_FILE}\` checks it, \`weft graph ${INIT_FLOW_FILE}\`
  draws it.
- \`flow.schema.json\`: the JSON Schema of flow files, which the flow's \`$schema\` points at, so that
  editors complete and check flows offline (\`weft schema\` prints it).
- \`weft.config.mjs\`: Weft's settings for this folder: plug-in modules with node types and connection
  kinds of your own.
`;
}
