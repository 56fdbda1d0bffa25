import { createReadStream } from "node:fs";
import { type BatchRow, FlowError, MAX_BATCH_ROW_BYTES, MAX_BATCH_ROW_COLUMNS } from "@weft/engine";
import { describeSystemError, formatBytes } from "@weft/store";
import { CsvError, parse } from "csv-parse";

/** What `csv-parse`'s error codes mean, said without quoting the file (a field may hold a key). */
const CSV_PROBLEMS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    CSV_QUOTE_NOT_CLOSED: "a quoted field is not closed before the end of the file",
    CSV_INVALID_CLOSING_QUOTE:
      'a quoted field has text after its closing quote (write a quote inside quotes as "")',
    INVALID_OPENING_QUOTE: "a field has a quote in the middle of unquoted text (quote the whole field)",
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: "a quoted field has text after its closing quote",
    CSV_MAX_RECORD_SIZE: `a record is longer than ${formatBytes(MAX_BATCH_ROW_BYTES)}`,
  }),
);

/**
 * The rows of a CSV file, read as the batch takes them: the first record names the columns, each
 * later record is a row of text values (`textValues`: the batch converts them to the inputs'
 * types). Parsed by `csv-parse` (RFC 4180 quoting, `""` escapes, newlines inside quotes, a BOM).
 * A record with more or fewer fields than the header is that row's error; a file whose structure
 * breaks (an unclosed quote, a record past `MAX_BATCH_ROW_BYTES`) stops the batch (`batch.data`).
 */
export async function* readCsvRows(file: string): AsyncGenerator<BatchRow | Error> {
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  const parser = stream.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_BATCH_ROW_BYTES,
      info: true,
    }),
  );
  stream.on("error", (error) => parser.destroy(error));
  let header: string[] | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = checkHeader(file, record);
        continue;
      }
      if (record.length !== header.length) {
        yield new FlowError(
          "batch.row",
          `line ${info.lines}: expected ${header.length} fields as in the header, got ${record.length}`,
        );
        continue;
      }
      const row: Record<string, unknown> = {};
      for (let column = 0; column < header.length; column++) {
        // Own data properties: a `__proto__` column is a column.
        Object.defineProperty(row, header[column]!, {
          value: record[column],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      yield row;
    }
  } catch (error) {
    throw describeCsvError(file, error);
  } finally {
    parser.destroy();
    stream.destroy();
  }
  if (!header)
    throw new FlowError(
      "batch.data",
      `--data ${file}: expected a header line naming the columns, got an empty file`,
    );
}

function checkHeader(file: string, header: string[]): string[] {
  if (header.length > MAX_BATCH_ROW_COLUMNS) {
    throw new FlowError(
      "batch.data",
      `--data ${file}: expected at most ${MAX_BATCH_ROW_COLUMNS} columns in the header, got ${header.length}`,
    );
  }
  const seen = new Set<string>();
  for (const [at, name] of header.entries()) {
    if (name.trim() === "") {
      throw new FlowError("batch.data", `--data ${file}: the header's column ${at + 1} has no name`);
    }
    if (seen.has(name)) {
      throw new FlowError(
        "batch.data",
        `--data ${file}: the header names column ${JSON.stringify(name.slice(0, 80))} twice`,
      );
    }
    seen.add(name);
  }
  return header;
}

function describeCsvError(file: string, error: unknown): FlowError {
  if (error instanceof FlowError) return error;
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    const problem = CSV_PROBLEMS.get(error.code) ?? `not valid CSV (${error.code})`;
    return new FlowError("batch.data", `--data ${file}${line ? `:${line}` : ""}: ${problem}`);
  }
  return new FlowError("batch.data", `--data ${file}: cannot read it: ${describeSystemError(error)}`);
}
