import type { RunHandle } from "@weft/engine";
import { type CliIo, paint } from "../io.js";

/**
 * Prints streamed tokens as they arrive, with a header whenever another node (or another attempt
 * of the same node, after a retry) starts streaming.
 */
export function attachTokenPrinter(handle: RunHandle, io: CliIo, write: (text: string) => void): void {
  let current: string | undefined;
  handle.on("node:token", (event) => {
    const stream = `${event.nodeId}#${event.attempt}`;
    if (stream !== current) {
      if (current !== undefined) write("\n");
      const label = event.attempt > 1 ? `${event.nodeId}, attempt ${event.attempt}` : event.nodeId;
      write(`${paint(io, "cyan", `[${label}]`)} `);
      current = stream;
    }
    write(event.token);
  });
  handle.on("run:end", () => {
    if (current !== undefined) write("\n");
  });
}
