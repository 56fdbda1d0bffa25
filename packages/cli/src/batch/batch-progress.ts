import type { BatchTally } from "@weft/engine";
import { createLogUpdate } from "log-update";
import type { CliIo } from "../io.js";
import { formatCount, formatSeconds } from "./batch-summary.js";

/** What the progress display reads, each time it draws. */
export interface BatchProgressSource {
  /** The batch: rows running now (a local batch), or enqueued and not back yet (a queued one). */
  batch: { readonly inFlight: number; readonly waiting?: number };
  tally: BatchTally;
  /** Rows a previous batch finished (`--resume`). */
  doneBefore: number;
  /** Rows in the data file, once counted. */
  totalRows: () => number | undefined;
  startedAt: number;
}

/** How often the display is redrawn on a terminal, and a line written otherwise. */
const TTY_REFRESH_MS = 200;
const PLAIN_LINE_MS = 5_000;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Shows a batch's progress on stderr: on a terminal, one line redrawn in place (`log-update`)
 * with done, failed and running rows, rows/s, ETA and tokens; otherwise a plain line every few
 * seconds, for logs. `note` writes a line above the display; `stop` clears the terminal line, so
 * the summary follows on a clean line.
 */
export function startBatchProgress(
  io: CliIo,
  source: BatchProgressSource,
): { note: (line: string) => void; stop: () => void } {
  if (io.isTty) {
    const draw = createLogUpdate(process.stderr);
    let frame = 0;
    const timer = setInterval(
      () => draw(`${SPINNER[frame++ % SPINNER.length]} ${progressLine(source)}`),
      TTY_REFRESH_MS,
    );
    timer.unref();
    return {
      note: (line) => {
        draw.clear();
        io.stderr(line);
      },
      stop: () => {
        clearInterval(timer);
        draw.clear();
      },
    };
  }
  const timer = setInterval(() => io.stderr(`batch: ${progressLine(source)}\n`), PLAIN_LINE_MS);
  timer.unref();
  return { note: (line) => io.stderr(line), stop: () => clearInterval(timer) };
}

/**
 * `1,234/10,000 rows · 1,200 ok · 34 failed · 8 running · 152.3 rows/s · ETA 58 s · 45,210 tokens`,
 * with `· 120 waiting` after `running` while rows wait on throttled connections.
 */
export function progressLine(source: BatchProgressSource): string {
  const { tally, batch, doneBefore } = source;
  // Rows without a slot, waiting on a throttled connection (a local batch counts them).
  const waiting = batch.waiting ?? 0;
  const seconds = (performance.now() - source.startedAt) / 1000;
  const ended = tally.ended;
  const done = doneBefore + ended;
  const total = source.totalRows();
  const rate = seconds > 0 ? ended / seconds : 0;
  const parts = [
    `${formatCount(done)}${total === undefined ? "" : `/${formatCount(total)}`} rows`,
    `${formatCount(ended - tally.failed)} ok`,
    `${formatCount(tally.failed)} failed`,
    `${formatCount(batch.inFlight - waiting)} running`,
    `${rate.toFixed(1)} rows/s`,
  ];
  // Rows waiting out a throttled connection's back-off or rate limit, without a slot.
  if (waiting > 0) parts.splice(4, 0, `${formatCount(waiting)} waiting`);
  if (total !== undefined && rate > 0) parts.push(`ETA ${formatSeconds(Math.max(0, total - done) / rate)}`);
  parts.push(`${formatCount(tally.totalTokens)} tokens`);
  const cost = tally.cost;
  if (cost !== undefined && cost.cost !== null) parts.push(`${cost.cost} ${cost.currency ?? ""}`.trimEnd());
  return parts.join(" · ");
}
