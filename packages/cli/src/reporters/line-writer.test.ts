import { EventEmitter } from "node:events";
import type { RunHandle } from "@weft/engine";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../io.js";
import { LineWriter } from "./line-writer.js";
import { attachProgressReporter } from "./progress-reporter.js";
import { attachTokenPrinter } from "./token-printer.js";

function capture(): { writer: LineWriter; text: () => string } {
  const chunks: string[] = [];
  return { writer: new LineWriter((text) => chunks.push(text)), text: () => chunks.join("") };
}

describe("LineWriter", () => {
  it("ends a line of streamed text before writing whole lines, and starts the stream again under its header", () => {
    const { writer, text } = capture();
    writer.append("a", "[a] ", "one ");
    writer.append("a", "[a] ", "two");
    writer.lines("✓ b done\n");
    writer.append("a", "[a] ", " three");
    writer.end();
    writer.lines("✓ run done\n");
    expect(text()).toBe("[a] one two\n✓ b done\n[a]  three\n✓ run done\n");
  });

  it("puts each stream under its own header when two interleave", () => {
    const { writer, text } = capture();
    writer.append("a", "[a] ", "one");
    writer.append("b", "[b] ", "uno");
    writer.append("a", "[a] ", " two");
    writer.end();
    expect(text()).toBe("[a] one\n[b] uno\n[a]  two\n");
  });

  it("adds no empty line when streamed text ended its own line", () => {
    const { writer, text } = capture();
    writer.append("a", "[a] ", "a poem\n");
    writer.lines("✓ a done\n");
    writer.end();
    expect(text()).toBe("[a] a poem\n✓ a done\n");
  });
});

describe("progress and tokens on one terminal", () => {
  it("never sticks a progress line to streamed tokens", () => {
    // The events a run emits when node "b" ends while node "a" is in the middle of a line.
    const handle = new EventEmitter();
    const chunks: string[] = [];
    const io: CliIo = {
      stdout: () => {},
      stderr: (text) => chunks.push(text),
      readStdin: async () => "",
      env: { NO_COLOR: "1" },
      isTty: true,
    };
    const stderr = new LineWriter(io.stderr);
    attachProgressReporter(handle as unknown as RunHandle, io, stderr, { verbose: false });
    attachTokenPrinter(handle as unknown as RunHandle, io, stderr);
    const base = { runId: "r", timestamp: 0 };
    const end = (nodeId: string) => ({
      ...base,
      nodeId,
      nodeType: "chat",
      status: "succeeded",
      attempts: 1,
      durationMs: 5,
    });
    handle.emit("node:start", { ...base, nodeId: "a", nodeType: "chat" });
    handle.emit("node:start", { ...base, nodeId: "b", nodeType: "chat" });
    handle.emit("node:token", { ...base, nodeId: "a", attempt: 1, token: "one " });
    handle.emit("node:token", { ...base, nodeId: "a", attempt: 1, token: "two" });
    handle.emit("node:end", end("b"));
    handle.emit("node:token", { ...base, nodeId: "a", attempt: 1, token: " three" });
    handle.emit("node:end", end("a"));
    handle.emit("run:end", { ...base, status: "succeeded", durationMs: 9 });
    expect(chunks.join("").split("\n")).toEqual([
      "● a chat started",
      "● b chat started",
      "[a] one two",
      "✓ b chat 5 ms",
      "[a]  three",
      "✓ a chat 5 ms",
      "",
    ]);
  });
});
