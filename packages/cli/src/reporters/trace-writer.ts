import { createWriteStream } from "node:fs";
import { RUN_EVENT_NAMES, type RunHandle } from "@weft/engine";

/**
 * Writes every event of a run as one JSON line to a file (mode 0600). Events are already
 * redacted by the engine. Resolves `closed` once the file is flushed.
 */
export function attachTraceWriter(handle: RunHandle, file: string): { closed: Promise<void> } {
  const stream = createWriteStream(file, { mode: 0o600 });
  const closed = new Promise<void>((resolve, reject) => {
    stream.once("finish", resolve);
    stream.once("error", reject);
  });
  for (const name of RUN_EVENT_NAMES) {
    handle.on(name, (event: object) => {
      stream.write(`${JSON.stringify({ event: name, ...event })}\n`);
      if (name === "run:end") stream.end();
    });
  }
  return { closed };
}
