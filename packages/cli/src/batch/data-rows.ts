import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { type BatchRow, describeJsonError, FlowError, MAX_BATCH_ROW_BYTES } from "@weft/engine";
import { describeSystemError, formatBytes } from "@weft/store";
import { readCsvRows } from "./csv-rows.js";
import { splitLines } from "./split-lines.js";

/** The formats `--data` reads, by file extension. */
export type DataFormat = "jsonl" | "csv";

/** The format of a data file from its extension; anything else is a usage error naming both. */
export function dataFormatOf(file: string): DataFormat {
  const extension = extname(file).toLowerCase();
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  if (extension === ".csv") return "csv";
  throw new FlowError(
    "batch.data",
    `--data ${file}: expected a .jsonl (one JSON object per line) or .csv file (a header line, then one row per line), got ${extension ? `a ${extension} file` : "a file without an extension"}`,
  );
}

/**
 * Checks that the data file is a regular file that can be read, before the batch starts: a
 * missing file or a directory is a one-line error (`batch.data`, exit 2).
 */
export async function checkDataFile(file: string): Promise<number> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile())
      throw new FlowError("batch.data", `--data ${file}: expected a file, got a directory or device`);
    size = info.size;
  } catch (error) {
    if (error instanceof FlowError) throw error;
    throw new FlowError("batch.data", `--data ${file}: cannot read it: ${describeSystemError(error)}`);
  }
  return size;
}

/** The rows of a data file, read as the batch takes them. */
export function readDataRows(file: string, format: DataFormat): AsyncIterable<BatchRow | Error> {
  return format === "csv" ? readCsvRows(file) : readJsonlRows(file);
}

/**
 * One row per non-blank line of a JSONL file, each a JSON object. A line that is not one (not
 * JSON, not an object, longer than `MAX_BATCH_ROW_BYTES`) is that row's error, naming its line and
 * never quoting it (a row may hold keys).
 */
export async function* readJsonlRows(file: string): AsyncGenerator<BatchRow | Error> {
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    for await (const line of splitLines(stream, MAX_BATCH_ROW_BYTES)) {
      if (line.tooLong !== undefined) {
        yield rowError(
          line.number,
          `longer than ${formatBytes(MAX_BATCH_ROW_BYTES)} (${formatBytes(line.tooLong)}); not read`,
        );
        continue;
      }
      let text = line.bytes!.toString("utf8");
      if (line.number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === "") continue;
      yield parseRow(text, line.number);
    }
  } catch (error) {
    throw new FlowError("batch.data", `--data ${file}: cannot read it: ${describeSystemError(error)}`);
  } finally {
    stream.destroy();
  }
}

function parseRow(text: string, line: number): BatchRow | Error {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = describeJsonError(error instanceof Error ? error.message : String(error));
    return rowError(line, `not valid JSON (${reason.replace(/ \(not valid JSON\)$/, "")})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return rowError(line, `expected a JSON object of column values, got ${kind}`);
  }
  return value as BatchRow;
}

/** A row that cannot be read: its failure, with its line. */
export function rowError(line: number, message: string): FlowError {
  return new FlowError("batch.row", `line ${line}: ${message}`);
}
