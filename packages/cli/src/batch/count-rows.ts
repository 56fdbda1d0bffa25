import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import type { DataFormat } from "./data-rows.js";

/**
 * How many rows a data file holds, for the progress display's ETA: non-blank lines of a JSONL
 * file, records after the header of a CSV file. Counted alongside the batch, without parsing JSON
 * and without holding rows; `undefined` if the file cannot be counted (the batch reports why).
 */
export async function countRows(
  file: string,
  format: DataFormat,
  signal: AbortSignal,
): Promise<number | undefined> {
  try {
    return format === "csv" ? await countCsvRecords(file, signal) : await countJsonlLines(file, signal);
  } catch {
    return undefined;
  }
}

async function countJsonlLines(file: string, signal: AbortSignal): Promise<number> {
  let rows = 0;
  let blank = true;
  for await (const chunk of createReadStream(file, {
    highWaterMark: 256 * 1024,
    signal,
  }) as AsyncIterable<Buffer>) {
    for (let at = 0; at < chunk.length; at++) {
      const byte = chunk[at]!;
      if (byte === 0x0a) {
        if (!blank) rows++;
        blank = true;
      } else if (blank && byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) blank = false;
    }
  }
  return blank ? rows : rows + 1;
}

async function countCsvRecords(file: string, signal: AbortSignal): Promise<number> {
  let records = 0;
  const parser = createReadStream(file, { signal }).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true }),
  );
  for await (const _ of parser) records++;
  return Math.max(0, records - 1);
}
