import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { FlowError, MAX_BATCH_RESULT_LINE_LENGTH } from "@weft/engine";
import { describeSystemError } from "@weft/store";
import { splitLines } from "./split-lines.js";

/** What a results file says is done, read back for `--resume`. */
export interface DoneRows {
  /** Indexes of the rows with a result line: they are not run again. */
  indexes: Set<number>;
  /** Of those, rows that succeeded and failed. */
  succeeded: number;
  failed: number;
  /** Bytes of a half-written last line that were cut off, if there was one. */
  repairedBytes: number;
}

/** A results file open for appending one line per row. */
export interface ResultsFile {
  done: DoneRows;
  /** Appends one line (one `write`, so a kill leaves at most one half-written line). */
  append(line: string): Promise<void>;
  close(): Promise<void>;
}

/** Bytes one line may take: `MAX_BATCH_RESULT_LINE_LENGTH` characters, each up to 3 bytes in UTF-8. */
const MAX_LINE_BYTES = MAX_BATCH_RESULT_LINE_LENGTH * 3;

/**
 * Opens `--output`. Without `resume`, the file must not exist (`batch.output`, exit 2): results of
 * another batch are never overwritten or mixed in. With `resume`, a missing file is started, and an
 * existing one is read back: each complete line is a row done; a last line that a kill cut short
 * is cut off, so the file is valid again; any other line that is not a result stops with an error
 * and changes nothing.
 */
export async function openResultsFile(file: string, resume: boolean): Promise<ResultsFile> {
  const done: DoneRows = { indexes: new Set(), succeeded: 0, failed: 0, repairedBytes: 0 };
  let handle: FileHandle;
  try {
    handle = await open(file, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new FlowError(
        "batch.output",
        `--output ${file}: cannot create it: ${describeSystemError(error)}`,
      );
    }
    if (!resume) {
      throw new FlowError(
        "batch.output",
        `--output ${file} already exists: add --resume to continue the batch that wrote it, or choose another file`,
      );
    }
    await readDone(file, done);
    try {
      handle = await open(file, "a");
    } catch (openError) {
      throw cannotWrite(file, openError);
    }
  }
  return {
    done,
    async append(line) {
      try {
        await handle.write(`${line}\n`);
      } catch (error) {
        throw cannotWrite(file, error);
      }
    },
    async close() {
      await handle.close().catch(() => {});
    },
  };
}

/** Reads the rows a results file holds, and repairs a cut last line. */
async function readDone(file: string, done: DoneRows): Promise<void> {
  const stream = createReadStream(file);
  let cut: { offset: number; length: number } | undefined;
  let endsOpen = false;
  try {
    for await (const line of splitLines(stream, MAX_LINE_BYTES)) {
      const record = line.bytes ? parseResultLine(line.bytes.toString("utf8")) : undefined;
      if (!line.ended) {
        // The last line, without its newline: whole (the kill came before the newline) or cut.
        if (record) {
          note(done, record);
          endsOpen = true;
        } else cut = { offset: line.offset, length: line.bytes?.length ?? line.tooLong ?? 0 };
        break;
      }
      if (line.bytes && line.bytes.length === 0) continue;
      if (!record) {
        throw new FlowError(
          "batch.output",
          `--output ${file}:${line.number}: expected a result line of weft batch (a JSON object with an "index"), got something else; the file was changed by hand or belongs to another tool: fix or remove that line`,
        );
      }
      note(done, record);
    }
  } catch (error) {
    if (error instanceof FlowError) throw error;
    throw new FlowError("batch.output", `--output ${file}: cannot read it: ${describeSystemError(error)}`);
  } finally {
    stream.destroy();
  }
  if (!cut && !endsOpen) return;
  const handle = await open(file, "r+").catch((error) => {
    throw cannotWrite(file, error);
  });
  try {
    if (cut) {
      await handle.truncate(cut.offset);
      done.repairedBytes = cut.length;
    } else {
      const { size } = await handle.stat();
      await handle.write("\n", size);
    }
  } finally {
    await handle.close();
  }
}

function note(done: DoneRows, record: { index: number; status: unknown }): void {
  if (done.indexes.has(record.index)) return;
  done.indexes.add(record.index);
  if (record.status === "succeeded") done.succeeded++;
  else if (record.status === "failed") done.failed++;
}

function parseResultLine(text: string): { index: number; status: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const { index, status } = value as { index?: unknown; status?: unknown };
  return Number.isSafeInteger(index) && (index as number) >= 0
    ? { index: index as number, status }
    : undefined;
}

function cannotWrite(file: string, error: unknown): FlowError {
  return new FlowError("batch.write", `--output ${file}: cannot write it: ${describeSystemError(error)}`);
}
