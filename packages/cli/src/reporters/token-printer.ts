import type { RunHandle } from "@weft/engine";
import { type CliIo, paint } from "../io.js";

/** Prints streamed tokens as they arrive, with a header whenever another node starts streaming. */
export function attachTokenPrinter(handle: RunHandle, io: CliIo, write: (text: string) => void): void {
  let current: string | undefined;
  handle.on("node:token", (event) => {
    if (event.nodeId !== current) {
      if (current !== undefined) write("\n");
      write(`${paint(io, "cyan", `[${event.nodeId}]`)} `);
      current = event.nodeId;
    }
    write(event.token);
  });
  handle.on("run:end", () => {
    if (current !== undefined) write("\n");
  });
}
