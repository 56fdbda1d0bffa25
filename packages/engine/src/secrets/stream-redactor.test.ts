import { describe, expect, it } from "vitest";
import { Redactor } from "./redactor.js";
import { SECRET_MASK } from "./secret.js";
import { StreamRedactor } from "./stream-redactor.js";

const CANARY = "test-key-CANARY-456";

function streamOf(...secrets: string[]): StreamRedactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  return new StreamRedactor(redactor);
}

/** Pushes every piece, then ends the stream; returns what was let out after each step. */
function pushAll(stream: StreamRedactor, pieces: string[]): string[] {
  return [...pieces.map((piece) => stream.push(piece)), stream.end()];
}

describe("StreamRedactor", () => {
  it("masks a secret cut across pieces, holding its start back until it is complete", () => {
    const out = pushAll(streamOf(CANARY), ["your key: test-", "key-CAN", "ARY-456 works"]);
    expect(out).toEqual(["your key: ", "", `${SECRET_MASK} works`, ""]);
    expect(out.join("")).not.toContain("test-");
  });

  it("lets held text out once the next piece shows it is not a secret", () => {
    expect(pushAll(streamOf(CANARY), ["a test", "-run", " ok"])).toEqual(["a ", "test-run", " ok", ""]);
  });

  it("lets out a short end still held when the stream ends: answers often end like a key starts", () => {
    expect(pushAll(streamOf(CANARY), ["last word: te"])).toEqual(["last word: ", "te"]);
  });

  it("masks what it held when the stream ended in the middle of a key", () => {
    expect(pushAll(streamOf(CANARY), ["your key: test-", "key-CAN"])).toEqual([
      "your key: ",
      "",
      SECRET_MASK,
    ]);
  });

  it("masks whatever it held when the stream was interrupted", () => {
    const stream = streamOf(CANARY);
    expect(stream.push("cut here: te")).toBe("cut here: ");
    expect(stream.end({ interrupted: true })).toBe(SECRET_MASK);
    expect(stream.end({ interrupted: true })).toBe("");
  });

  it("masks a key encoded in hex or base64 and cut across pieces", () => {
    for (const encoded of [
      Buffer.from(CANARY).toString("hex"),
      Buffer.from(CANARY).toString("hex").toUpperCase(),
      Buffer.from(`Basic ${CANARY}`).toString("base64"),
    ]) {
      const out = pushAll(streamOf(CANARY), [
        `dump ${encoded.slice(0, 9)}`,
        encoded.slice(9, 20),
        `${encoded.slice(20)} end`,
      ]);
      const joined = out.join("");
      expect(joined, encoded).toContain(SECRET_MASK);
      // What is left of the encoding is at most its edges, which also encode the bytes around the key.
      expect(joined.replace(SECRET_MASK, "").length, encoded).toBeLessThan(`dump  end`.length + 16);
    }
  });

  it("passes pieces through unchanged when no secret could start in them", () => {
    const pieces = ["Once", " upon", " a", " time"];
    expect(pushAll(streamOf(CANARY), pieces)).toEqual([...pieces, ""]);
    expect(pushAll(streamOf(), ["test-key-CAN", "ARY-456"])).toEqual(["test-key-CAN", "ARY-456", ""]);
  });

  it("masks whole secrets inside one piece, and any of several secrets", () => {
    const stream = streamOf(CANARY, "other-secret-789");
    expect(pushAll(stream, [`a ${CANARY} b other-sec`, "ret-789."])).toEqual([
      `a ${SECRET_MASK} b `,
      `${SECRET_MASK}.`,
      "",
    ]);
  });
});
