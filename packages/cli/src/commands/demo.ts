import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InMemoryConnectionProvider, Secret } from "@weft/engine";
import { startLlmServer } from "@weft/testing";
import { EXIT_OK, EXIT_RUN_FAILED } from "../cli-error.js";
import { type CliIo, paint } from "../io.js";
import { runFlowFile } from "./run.js";

const DEMO_FLOW = join("examples", "dynamic-connection", "dynamic-connection.flow.json");

/** The demo flow ships in the repository's examples/: found from this file, whether built or bundled. */
function findDemoFlow(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, DEMO_FLOW);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return DEMO_FLOW;
  }
}

/** A path as the user can type it from here: relative inside the current folder, else absolute. */
function shownPath(path: string): string {
  const relativePath = relative(process.cwd(), path);
  return relativePath.startsWith("..") || isAbsolute(relativePath) ? resolve(path) : relativePath;
}

/**
 * `weft demo`: the dynamic-connection example, offline. Two customers run the same flow, each with
 * their own key and endpoint; the offline server's request log shows each request went to that
 * customer's endpoint with that customer's key, overriding the flow's static connection.
 */
export async function demoCommand(io: CliIo): Promise<number> {
  const keys = {
    "customer-a": "demo-key-customer-a",
    "customer-b": "demo-key-customer-b",
    shared: "demo-key-shared",
  };
  const server = await startLlmServer({ keys });
  try {
    const connections = new InMemoryConnectionProvider({
      "shared-foundry": {
        type: "azure-ai",
        endpoint: `${server.url}/models`,
        apiKey: new Secret(keys.shared),
      },
    });
    const customers = [
      { name: "customer-a", endpoint: `${server.url}/models`, what: "an Azure AI Foundry models endpoint" },
      {
        name: "customer-b",
        endpoint: `${server.url}/openai/deployments/gpt-4o-mini`,
        what: "an Azure OpenAI deployment",
      },
    ] as const;
    io.stderr(
      `${paint(io, "bold", "Weft demo")}: one flow, two customers, each on their own Azure AI endpoint and key.\n` +
        `Offline LLM server on ${server.url} (OpenAI, Azure OpenAI and Azure AI Inference wire formats).\n`,
    );
    let ok = true;
    for (const customer of customers) {
      io.stderr(`\n${paint(io, "bold", `── ${customer.name}`)}: ${customer.what}\n`);
      const result = await runFlowFile(
        findDemoFlow(),
        {
          input: [
            `question=Which subscription pays for this answer, ${customer.name}?`,
            `customerKey=${keys[customer.name]}`,
            `customerEndpoint=${customer.endpoint}`,
          ],
          inputEnv: [],
          connections,
        },
        io,
      );
      ok &&= result.status === "succeeded";
    }
    io.stderr(
      `\n${paint(io, "bold", "On the wire")} (the offline server's request log; keys by name, never in clear):\n`,
    );
    for (const entry of server.requests) {
      io.stderr(
        `  ${entry.seq}. ${entry.method} ${entry.path}  auth=${entry.auth}  key=${entry.keyName ?? entry.keyFingerprint}  ${entry.status}\n`,
      );
    }
    const usedShared = server.requests.some((entry) => entry.keyName === "shared");
    io.stderr(
      usedShared
        ? "\nThe static connection was used for some requests.\n"
        : `\nThe static connection "shared-foundry" was never used: each customer's dynamic connection overrode it.\n` +
            "\nTry it yourself against the offline server (in another terminal: weft mock-llm --key customer=test-key-1):\n" +
            `  CUSTOMER_KEY=test-key-1 weft run ${shownPath(findDemoFlow())} \\\n` +
            "    --input-env customerKey=CUSTOMER_KEY --input customerEndpoint=<server url>/models\n" +
            "(in a clone of the repository, `weft` is `npx -y pnpm@10.34.8 --silent weft`)\n",
    );
    return ok ? EXIT_OK : EXIT_RUN_FAILED;
  } finally {
    await server.close();
  }
}
