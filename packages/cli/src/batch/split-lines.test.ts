import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type FileLine, splitLines } from "./split-lines.js";

async function lines(chunks: string[], maxBytes: number): Promise<FileLine[]> {
  const out: FileLine[] = [];
  for await (const line of splitLines(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), maxBytes))
    out.push(line);
  return out;
}

describe("splitLines", () => {
  it("splits across chunks, drops \\r before \\n, and notes a last line without its newline", async () => {
    const result = await lines(["ab", "c\r\nde\n", "\nf"], 100);
    expect(result.map((line) => [line.number, line.offset, line.bytes?.toString(), line.ended])).toEqual([
      [1, 0, "abc", true],
      [2, 5, "de", true],
      [3, 8, "", true],
      [4, 9, "f", false],
    ]);
  });

  it("passes over a line longer than the limit, giving only its length, and goes on", async () => {
    const result = await lines(["x".repeat(40), "x".repeat(40), "\nok\n"], 50);
    expect(result[0]).toEqual({ number: 1, offset: 0, tooLong: 80, ended: true });
    expect(result[1]?.bytes?.toString()).toBe("ok");
    expect(result[1]?.offset).toBe(81);
  });
});
