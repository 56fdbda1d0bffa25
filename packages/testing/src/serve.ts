import { startLlmServer } from "./server.js";
import type { LlmServer, LlmServerOptions, RequestLogEntry } from "./types.js";

/** Options of `serveMockLlm`: the server's options, and where the per-request lines go. */
export interface ServeMockLlmOptions extends Omit<LlmServerOptions, "onRequest"> {
  /** Receives one line per finished request; the key never appears in it. */
  log?: (line: string) => void;
}

/**
 * Starts the offline server for interactive use (`weft mock-llm`), reporting each request as one line:
 * method, path, status, key name or fingerprint, duration, and the fault if one was injected.
 */
export function serveMockLlm(options: ServeMockLlmOptions = {}): Promise<LlmServer> {
  const { log, ...serverOptions } = options;
  return startLlmServer(
    log === undefined ? serverOptions : { ...serverOptions, onRequest: (entry) => log(formatLogLine(entry)) },
  );
}

/** `POST /v1/chat/completions 200 key=sha256:0123456789ab 3ms`, plus ` fault=…` when one applied. */
export function formatLogLine(entry: RequestLogEntry): string {
  const status = entry.status === 0 ? "---" : String(entry.status);
  const key = entry.keyName ?? entry.keyFingerprint ?? "none";
  const fault = entry.fault === undefined ? "" : ` fault=${entry.fault}`;
  return `${entry.method} ${entry.path} ${status} key=${key} ${entry.durationMs}ms${fault}`;
}
