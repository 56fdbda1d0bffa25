import { serveMockLlm } from "@weft/testing";
import { EXIT_OK, usageError } from "../cli-error.js";
import type { CliIo } from "../io.js";

/** Options of `weft mock-llm`. */
export interface MockLlmOptions {
  port?: number;
  host: string;
  key: string[];
  delay?: number;
}

/** `weft mock-llm`: the offline LLM server, until Ctrl-C. */
export async function mockLlmCommand(options: MockLlmOptions, io: CliIo): Promise<number> {
  const keys = parseKeys(options.key);
  const server = await serveMockLlm({
    host: options.host,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(keys ? { keys } : {}),
    ...(options.delay === undefined ? {} : { defaultDelayMs: options.delay }),
    log: (line) => io.stderr(`${line}\n`),
  });
  const keyCount = keys ? Object.keys(keys).length : 0;
  io.stdout(
    [
      `Offline LLM server listening on ${server.url} (Ctrl-C to stop)`,
      `  OpenAI-compatible  ${server.url}/v1`,
      `  Azure AI Foundry   ${server.url}/models`,
      `  Azure OpenAI       ${server.url}/openai/deployments/<deployment>`,
      `  keys: ${keyCount ? `${keyCount} accepted (${Object.keys(keys ?? {}).join(", ")})` : "any non-empty key"}`,
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  return EXIT_OK;
}

/** `--key K` or `--key name=K`; keys without a name are named key-1, key-2, … in the log. */
function parseKeys(values: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const keys: Record<string, string> = {};
  values.forEach((value, index) => {
    const at = value.indexOf("=");
    const [name, key] = at > 0 ? [value.slice(0, at), value.slice(at + 1)] : [`key-${index + 1}`, value];
    if (!key) throw usageError(`--key: expected a key or name=key, got ${JSON.stringify(value)}`);
    keys[name] = key;
  });
  return keys;
}
