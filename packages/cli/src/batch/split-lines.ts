import type { Readable } from "node:stream";

/** One line of a file, as bytes, or a note that it was longer than allowed. */
export interface FileLine {
  /** 1 for the first line. */
  number: number;
  /** Byte offset of the line's start. */
  offset: number;
  /** The line without its `\n` (nor a `\r` before it); absent when the line was too long. */
  bytes?: Buffer;
  /** The line's length in bytes, without its end, when it was too long to keep. */
  tooLong?: number;
  /** Whether a `\n` ended it: the last line of a file may end without one. */
  ended: boolean;
}

/**
 * Splits a byte stream into lines, holding at most `maxBytes` of one line: a longer line is
 * passed over (its bytes dropped as they come) and reported with its length only, so a file
 * that is one line of gigabytes costs no memory. Reads only as fast as lines are taken.
 */
export async function* splitLines(stream: Readable, maxBytes: number): AsyncGenerator<FileLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let length = 0;
  let number = 1;
  let offset = 0;
  const take = (ended: boolean): FileLine => {
    const line: FileLine = { number, offset, ended };
    if (length > maxBytes) line.tooLong = length;
    else {
      let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
      if (ended && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
      line.bytes = bytes;
    }
    offset += length + (ended ? 1 : 0);
    number++;
    parts = [];
    held = 0;
    length = 0;
    return line;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      length += piece.length;
      if (length <= maxBytes + 1) {
        parts.push(piece);
        held += piece.length;
      } else if (held > 0) {
        parts = [];
        held = 0;
      }
      if (end === -1) break;
      yield take(true);
      start = end + 1;
    }
  }
  if (length > 0) yield take(false);
}
