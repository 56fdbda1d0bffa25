import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ContentSafetyState } from "./content-safety/rules.js";
import { createRequestHandler } from "./handle-request.js";
import { RequestLog } from "./request-log.js";
import { RuleBook } from "./rules.js";
import { SearchService } from "./search/search-service.js";
import { Timers } from "./timers.js";
import type { KeySet, LlmServer, LlmServerOptions } from "./types.js";

/**
 * Starts an offline chat completions server that the real `openai` (`OpenAI`, `AzureOpenAI`) and
 * `@azure-rest/ai-inference` (`ModelClient`) clients can use unchanged, over loopback HTTP.
 */
export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const defaultDelayMs = options.defaultDelayMs ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got ${String(port)}`);
  }
  if (!(defaultDelayMs >= 0)) {
    throw new TypeError(`Expected \`defaultDelayMs\` to be a number >= 0, got ${String(defaultDelayMs)}`);
  }

  const log = new RequestLog(options.onRequest);
  const rules = new RuleBook(options.rules);
  const timers = new Timers();
  const keys = normaliseKeys(options.keys);
  const search = new SearchService(options.search);
  const contentSafety = new ContentSafetyState(options.contentSafety);
  const server = createServer(
    createRequestHandler({ log, rules, timers, keys, defaultDelayMs, search, contentSafety }),
  );
  await listen(server, port, host);
  const actualPort = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${actualPort}`,
    port: actualPort,
    requests: log.entries,
    stats: () => log.stats(),
    addRule: (rule) => rules.add(rule),
    addSearchRule: (rule) => search.addRule(rule),
    addContentSafetyRule: (rule) => contentSafety.add(rule),
    reset: () => {
      log.reset();
      rules.reset();
      search.reset();
      contentSafety.reset();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        timers.cancelAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** An empty key set means the same as none: any key is accepted. */
function normaliseKeys(keys: KeySet | undefined): KeySet | undefined {
  if (keys === undefined) return undefined;
  const values = Array.isArray(keys) ? keys : Object.values(keys);
  for (const [index, key] of values.entries()) {
    if (typeof key !== "string" || key.trim() === "") {
      throw new TypeError(
        `Expected \`keys\` to hold non-empty strings, got ${JSON.stringify(key)} at ${index}`,
      );
    }
  }
  return values.length === 0 ? undefined : keys;
}

/** A host as it goes in a URL: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
