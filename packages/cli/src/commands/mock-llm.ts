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
  }).catch((error: NodeJS.ErrnoException) => {
    throw listenError(error, options);
  });
  // Listen for Ctrl-C before saying the server is ready: a signal sent right after the banner
  // must stop the server cleanly, not kill the process.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
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
  await stopped;
  await server.close();
  return EXIT_OK;
}

/** A port in use or a host that does not exist is a usage error (exit 2), not an internal one. */
function listenError(error: NodeJS.ErrnoException, options: MockLlmOptions): unknown {
  const where = `${options.host}:${options.port ?? 0}`;
  switch (error.code) {
    case "EADDRINUSE":
      return usageError(
        `--port ${options.port}: ${where} is already in use; pick another port or leave --port out`,
      );
    case "EACCES":
      return usageError(
        `--port ${options.port}: not allowed to listen on ${where} (ports below 1024 need privileges)`,
      );
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return usageError(
        `--host ${options.host}: not an address of this machine (${error.code}); expected e.g. 127.0.0.1`,
      );
    default:
      return error;
  }
}

/**
 * `--key K` or `--key name=K`; keys without a name are named key-1, key-2, … in the log. Names are
 * data: kept in a Map, then defined as own properties, so `--key __proto__=K` is a key like any other.
 */
export function parseKeys(values: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const keys = new Map<string, string>();
  values.forEach((value, index) => {
    const at = value.indexOf("=");
    const [name, key] = at > 0 ? [value.slice(0, at), value.slice(at + 1)] : [`key-${index + 1}`, value];
    if (!key) throw usageError(`--key: expected a key or name=key, got ${JSON.stringify(value)}`);
    keys.set(name, key);
  });
  return Object.fromEntries(keys);
}
