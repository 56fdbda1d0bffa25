import type { RunHandle } from "@weft/engine";
import { type CliIo, paint } from "../io.js";
import type { LineWriter } from "./line-writer.js";

/**
 * Prints streamed tokens as they arrive, under a `[node]` header whenever another node (or another
 * attempt of the same node, after a retry) streams, or progress lines came in between.
 */
export function attachTokenPrinter(handle: RunHandle, io: CliIo, out: LineWriter): void {
  handle.on("node:token", (event) => {
    const label = event.attempt > 1 ? `${event.nodeId}, attempt ${event.attempt}` : event.nodeId;
    out.append(`${event.nodeId}#${event.attempt}`, `${paint(io, "cyan", `[${label}]`)} `, event.token);
  });
  handle.on("run:end", () => out.end());
}
