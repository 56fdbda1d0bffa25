import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createEngine } from "../engine.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import type { BatchRow, BatchRowResult } from "./batch-options.js";
import { BatchTally } from "./batch-tally.js";

/** Echoes its text after a wait; fails for the text "fail"; counts the runs in flight. */
function echoNode(track: { now: number; max: number }, waitMs = 2) {
  return defineNodeType({
    type: "echo",
    description: "Waits, then returns its text.",
    input: z.object({ text: z.string() }),
    async run(input, context) {
      track.now++;
      track.max = Math.max(track.max, track.now);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, waitMs);
          context.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(context.signal.reason);
          });
        });
        if (input.text === "fail") throw new Error("told to fail");
        context.reportUsage({ promptTokens: 2, completionTokens: 1, totalTokens: 3 });
        return { text: input.text };
      } finally {
        track.now--;
      }
    },
  });
}

const flow = {
  inputs: { question: { type: "string" }, count: { type: "number", default: 1 } },
  nodes: [{ id: "say", type: "echo", inputs: { text: "${inputs.question}" } }],
  outputs: { said: "${nodes.say.output.text}", count: "${inputs.count}" },
} as const;

function setup(waitMs = 2) {
  const track = { now: 0, max: 0 };
  return { track, engine: createEngine({ nodeTypes: [echoNode(track, waitMs)] }) };
}

async function collect(iterable: AsyncIterable<BatchRowResult>): Promise<BatchRowResult[]> {
  const results: BatchRowResult[] = [];
  for await (const result of iterable) results.push(result);
  return results;
}

/** A source that counts how far it has been read. */
function* countedRows(total: number, read: { count: number }): Generator<BatchRow> {
  for (let index = 0; index < total; index++) {
    read.count++;
    yield { question: `q${index}` };
  }
}

describe("engine.batch", () => {
  it("runs every row once, up to `concurrency` at a time, each result with its row's index", async () => {
    const { engine, track } = setup();
    const rows = Array.from({ length: 50 }, (_, index) => ({ question: `q${index}` }));
    const results = await collect(engine.batch(flow, rows, { concurrency: 7 }));
    expect(results.map((result) => result.index).sort((a, b) => a - b)).toEqual(
      rows.map((_, index) => index),
    );
    for (const result of results) {
      expect(result.status).toBe("succeeded");
      expect(result.outputs).toEqual({ said: `q${result.index}`, count: 1 });
      expect(result.usage?.totalTokens).toBe(3);
    }
    expect(track.max).toBe(7);
  });

  it("reads no row before a slot is free, and none while the reader is behind", async () => {
    const { engine } = setup(1);
    const read = { count: 0 };
    const batch = engine.batch(flow, countedRows(1000, read), { concurrency: 4 });
    const iterator = batch[Symbol.asyncIterator]();
    await iterator.next();
    // The reader takes nothing more for a while: rows run to fill the slots and the waiting line.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(read.count).toBeLessThanOrEqual(1 + 4 + 4);
    await iterator.return?.();
    expect(batch.inFlight).toBe(0);
  });

  it("makes a row without a required input that row's failure, and goes on", async () => {
    const { engine } = setup();
    const rows: BatchRow[] = [{ question: "a" }, { other: "x", id: 7 }, { question: "c" }];
    const results = await collect(engine.batch(flow, rows));
    const byIndex = new Map(results.map((result) => [result.index, result]));
    expect(byIndex.get(0)?.status).toBe("succeeded");
    expect(byIndex.get(2)?.status).toBe("succeeded");
    expect(byIndex.get(1)).toMatchObject({ status: "failed", error: { code: "input.invalid" } });
    expect(byIndex.get(1)?.error?.message).toBe(
      'missing required input: "question" (string): the row has no column "question"; the row\'s columns: "other", "id"',
    );
    expect(byIndex.get(1)?.usage).toBeUndefined();
  });

  it("maps inputs from columns with templates, typed or as text, and converts text values", async () => {
    const { engine } = setup();
    const rows = [{ q: "sky", n: "3", __proto__: "x", nested: { deep: "d" } }];
    const results = await collect(
      engine.batch(flow, rows, {
        map: { question: "Why is the ${data.q} blue? ${data.nested.deep} $${x}", count: "${data.n}" },
        textValues: true,
      }),
    );
    expect(results[0]?.outputs).toEqual({ said: "Why is the sky blue? d ${x}", count: 3 });
  });

  it("refuses a map to an unknown input or over anything but data, before reading rows", () => {
    const { engine } = setup();
    const read = { count: 0 };
    expect(() => engine.batch(flow, countedRows(5, read), { map: { questoin: "${data.q}" } })).toThrow(
      /map questoin: unknown input "questoin": expected one of question, count/,
    );
    expect(() => engine.batch(flow, countedRows(5, read), { map: { question: "${inputs.q}" } })).toThrow(
      /expected \$\{data.<column>\}/,
    );
    expect(() => engine.batch(flow, [], { concurrency: 0 })).toThrow(/concurrency/);
    expect(read.count).toBe(0);
  });

  it("fails rows that are not objects, too wide, too deep or reader errors, and never echoes their text", async () => {
    const { engine } = setup();
    let deep: unknown = "bottom";
    for (let level = 0; level < 100_000; level++) deep = [deep];
    const wide = Object.fromEntries(Array.from({ length: 1001 }, (_, index) => [`c${index}`, index]));
    const rows = ["sk-secret-looking", [1], wide, { question: deep }, new Error("line 5: not valid JSON")];
    const results = await collect(engine.batch(flow, rows as never));
    const messages = results.sort((a, b) => a.index - b.index).map((result) => result.error?.message);
    expect(messages).toEqual([
      "expected an object of column values, got a string",
      "expected an object of column values, got an array",
      "expected at most 1000 columns, got more (1001)",
      expect.stringMatching(
        /^nested deeper than 64 levels of arrays and objects \(at \.question\[0\]\[0\]…\)$/,
      ),
      "line 5: not valid JSON",
    ]);
    expect(results.every((result) => result.error?.code === "batch.row")).toBe(true);
  });

  it("passes over rows `skip` names, and counts them", async () => {
    const { engine } = setup();
    const rows = Array.from({ length: 10 }, (_, index) => ({ question: `q${index}` }));
    const batch = engine.batch(flow, rows, { skip: (index) => index % 2 === 0 });
    const results = await collect(batch);
    expect(results.map((result) => result.index).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9]);
    expect(batch.skipped).toBe(5);
    expect(batch.stopReason).toBe("completed");
  });

  it("stops starting rows after `maxFailures` failures", async () => {
    const { engine } = setup();
    const rows = Array.from({ length: 100 }, () => ({ question: "fail" }));
    const batch = engine.batch(flow, rows, { maxFailures: 3, concurrency: 2 });
    const results = await collect(batch);
    expect(batch.stopReason).toBe("max-failures");
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(results.length).toBeLessThanOrEqual(4);
  });

  it("cancels rows in flight when its signal aborts, and reads no more", async () => {
    const { engine, track } = setup(10_000);
    const controller = new AbortController();
    const read = { count: 0 };
    const batch = engine.batch(flow, countedRows(1000, read), { concurrency: 5, signal: controller.signal });
    const collecting = collect(batch);
    // Once every slot runs a row (not after a fixed time, which a loaded machine may need more of).
    await vi.waitFor(() => expect(track.now).toBe(5), { timeout: 10_000, interval: 1 });
    controller.abort("stop");
    const results = await collecting;
    expect(batch.stopReason).toBe("cancelled");
    expect(results).toHaveLength(5);
    expect(results.every((result) => result.status === "cancelled")).toBe(true);
    expect(read.count).toBe(5);
  });

  it("rethrows a source's error once the rows in flight have ended", async () => {
    const { engine } = setup();
    async function* rows() {
      yield { question: "a" };
      yield { question: "b" };
      throw new Error("disk gone");
    }
    const batch = engine.batch(flow, rows(), { concurrency: 4 });
    const seen: number[] = [];
    await expect(async () => {
      for await (const result of batch) seen.push(result.index);
    }).rejects.toThrow("disk gone");
    expect(seen.sort()).toEqual([0, 1]);
    expect(batch.stopReason).toBe("source-error");
  });
});

describe("BatchTally", () => {
  it("counts statuses, tokens per connection and the slowest rows", () => {
    const tally = new BatchTally();
    const call = (tokens: number) => ({
      requests: 1,
      promptTokens: tokens,
      completionTokens: 0,
      totalTokens: tokens,
      reported: true,
      unreportedRequests: 0,
    });
    const usage = (label: string, tokens: number) => ({
      ...call(tokens),
      byConnection: { [label]: call(tokens) },
    });
    for (let index = 0; index < 10; index++) {
      tally.add({ index, status: "succeeded", durationMs: index, usage: usage(`t${index % 2}`, 10) });
    }
    tally.add({ index: 10, status: "failed", durationMs: 1, error: { code: "input.invalid", message: "x" } });
    tally.add({ index: 11, status: "cancelled", durationMs: 50, usage: usage("__proto__", 1) });
    const summary = tally.summary("cancelled", 4);
    expect(summary).toMatchObject({
      succeeded: 10,
      failed: 1,
      cancelled: 1,
      skipped: 4,
      stopReason: "cancelled",
    });
    expect(summary.usage.totalTokens).toBe(101);
    expect(summary.usage.byConnection.t0).toEqual({
      requests: 5,
      promptTokens: 50,
      completionTokens: 0,
      totalTokens: 50,
      reported: true,
      unreportedRequests: 0,
      rows: 5,
    });
    expect(Object.hasOwn(summary.usage.byConnection, "__proto__")).toBe(true);
    expect(summary.slowest.map((row) => row.index)).toEqual([11, 9, 8, 7, 6]);
  });
});
