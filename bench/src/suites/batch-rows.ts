import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FlowDefinition } from "@weft/engine";
import { ChildConnection } from "../child-process.js";
import { failureOutcome, type Unmeasured } from "../compare.js";
import { collectGarbage, megabytes, RssSampler, runPool, summarize } from "../measure.js";
import { startMockLlmProcess } from "../mock-llm-process.js";
import type { Section } from "../results.js";
import type { SuiteContext } from "./suite.js";

const key = "test-key-bench-batch";
/** The throughput pass: every answer takes this long, this many rows at once. */
const latencyMs = 200;
const rowsAtOnce = 16;
/** The memory pass: answers at once, rows as fast as the machine runs them. */
const memoryRowsAtOnce = 64;

const plan = (quick: boolean) =>
  quick
    ? { rowsPerSample: 160, samples: 2, memoryRows: 20_000, checkpoints: [2_000, 10_000, 20_000] }
    : { rowsPerSample: 400, samples: 3, memoryRows: 100_000, checkpoints: [10_000, 50_000, 100_000] };

interface Checkpoint {
  rows: number;
  rssBytes: number;
}

type BatchRowsResult =
  | {
      status: "ok";
      rowsPerSecond: number[];
      /** The same rows as a plain pool of `engine.run` calls, sample for sample. */
      poolRowsPerSecond: number[];
      memoryRowsPerSecond: number;
      rssBeforeBytes: number;
      peakRssBytes: number;
      checkpoints: Checkpoint[];
    }
  | Unmeasured;

/** Each row: its tenant's key and endpoint, and a question; the flow builds the connection. */
function productBatchFlow(): FlowDefinition {
  return {
    name: "bench-batch",
    inputs: {
      question: { type: "string" },
      tenantKey: { type: "secret" },
      endpoint: { type: "string" },
    },
    nodes: [
      {
        id: "connection",
        type: "create-azure-ai-connection",
        inputs: { apiKey: "${inputs.tenantKey}", endpoint: "${inputs.endpoint}", variable: "tenant" },
      },
      {
        id: "answer",
        type: "chat-completion",
        dynamicConnection: "${vars.tenant}",
        inputs: { model: "gpt-4o-mini", prompt: "${inputs.question}" },
      },
    ],
    outputs: { answer: "${nodes.answer.output.content}" },
  };
}

function* rows(count: number, url: string) {
  for (let index = 0; index < count; index++) {
    yield { question: `row ${index}`, tenantKey: key, endpoint: `${url}/models` };
  }
}

/**
 * Runs in a process of its own: `engine.batch` over generated rows against `weft mock-llm` (a
 * process of its own too), each result written as a line to a file as `weft batch` does.
 */
export async function serveBatchRowsChild(quick: boolean): Promise<void> {
  process.send!(await measureHere(quick));
  process.disconnect();
}

async function measureHere(quick: boolean): Promise<BatchRowsResult> {
  const { rowsPerSample, samples, memoryRows, checkpoints } = plan(quick);
  const slow = await startMockLlmProcess(key, latencyMs);
  const fast = await startMockLlmProcess(key, 0);
  const dir = mkdtempSync(join(tmpdir(), "weft-bench-batch-"));
  try {
    const { createEngine, stringifyBounded, MAX_BATCH_RESULT_LINE_LENGTH } = await import("@weft/engine");
    const { builtinConnectionKinds, builtinNodeTypes } = await import("@weft/nodes");
    const engine = createEngine({ nodeTypes: builtinNodeTypes, connectionKinds: builtinConnectionKinds });
    const flow = engine.compile(productBatchFlow());
    const runBatch = async (
      url: string,
      count: number,
      concurrency: number,
      onRow?: (done: number) => void,
    ) => {
      const file = await open(join(dir, "results.jsonl"), "w");
      let done = 0;
      const start = performance.now();
      for await (const result of engine.batch(flow, rows(count, url), { concurrency })) {
        if (result.status !== "succeeded")
          throw new Error(`row ${result.index} ${result.status}: ${result.error?.message}`);
        await file.write(`${stringifyBounded(result, { maxLength: MAX_BATCH_RESULT_LINE_LENGTH })}\n`);
        onRow?.(++done);
      }
      await file.close();
      return count / ((performance.now() - start) / 1000);
    };
    /** The floor: the same runs and lines from a plain pool, without the batch. */
    const runPoolOf = async (url: string, count: number, concurrency: number) => {
      const file = await open(join(dir, "pool.jsonl"), "w");
      const start = performance.now();
      const source = rows(count, url);
      await runPool(count, concurrency, async () => {
        const row = source.next().value!;
        const result = await engine.run(flow, { inputs: row }).result;
        if (result.status !== "succeeded") throw new Error(`run ${result.status}: ${result.error?.message}`);
        await file.write(`${stringifyBounded(result, { maxLength: MAX_BATCH_RESULT_LINE_LENGTH })}\n`);
      });
      await file.close();
      return count / ((performance.now() - start) / 1000);
    };
    // Warm-up: sockets, JIT.
    await runBatch(slow.url, rowsAtOnce * 4, rowsAtOnce);
    await runPoolOf(slow.url, rowsAtOnce * 4, rowsAtOnce);
    const rowsPerSecond: number[] = [];
    const poolRowsPerSecond: number[] = [];
    for (let sample = 0; sample < samples; sample++) {
      rowsPerSecond.push(await runBatch(slow.url, rowsPerSample, rowsAtOnce));
      poolRowsPerSecond.push(await runPoolOf(slow.url, rowsPerSample, rowsAtOnce));
    }
    collectGarbage();
    const sampler = new RssSampler().start(20);
    const rssBeforeBytes = sampler.sample();
    const reached: Checkpoint[] = [];
    const memoryRowsPerSecond = await runBatch(fast.url, memoryRows, memoryRowsAtOnce, (done) => {
      if (checkpoints.includes(done)) reached.push({ rows: done, rssBytes: sampler.sample() });
    });
    return {
      status: "ok",
      rowsPerSecond,
      poolRowsPerSecond,
      memoryRowsPerSecond,
      rssBeforeBytes,
      peakRssBytes: sampler.stop(),
      checkpoints: reached,
    };
  } catch (error) {
    return failureOutcome(error);
  } finally {
    slow.close();
    fast.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** W9: a batch over the offline server: rows/s ÷ the ideal for its latency, and RSS over 100,000 rows. */
export async function measureBatchRows({ quick, progress }: SuiteContext): Promise<Section> {
  const { memoryRows, checkpoints } = plan(quick);
  progress(`W9 batch rows: throughput at ${latencyMs} ms, then ${memoryRows} rows for memory`);
  const child = new ChildConnection<BatchRowsResult>(["batch-rows", ...(quick ? ["--quick"] : [])]);
  const result = await child.next().catch(failureOutcome);
  child.close();
  const ideal = (rowsAtOnce * 1000) / latencyMs;
  const label = (rows: number) => `RSS @${rows / 1000}k`;
  const section: Section = {
    id: "W9",
    title: `engine.batch: product flow over HTTP to weft mock-llm, ${rowsAtOnce} rows at once at ${latencyMs} ms an answer; then ${memoryRows} rows, ${memoryRowsAtOnce} at once, answers at once`,
    metric: "rows/s",
    ratioColumns: ["÷ ideal", "÷ pool"],
    detailColumns: ["rows/s, no delay", "RSS before", ...checkpoints.map(label), "peak RSS"],
    rows: [],
    notes: [
      `ideal: ${rowsAtOnce} rows ÷ ${latencyMs} ms = ${ideal} rows/s; target ≥ 0.95`,
      "pool: the same runs from a plain pool of engine.run calls, samples taken in turn with the batch's",
      "each result is written as one JSON line to a file, as weft batch does; RSS sampled every 20 ms",
    ],
  };
  if (result.status !== "ok") {
    section.rows.push({ case: "batch", adapter: "weft", status: result.status, reason: result.reason });
    return section;
  }
  const mb = (bytes: number) => `${megabytes(bytes).toFixed(0)} MB`;
  const value = summarize(result.rowsPerSecond);
  const pool = summarize(result.poolRowsPerSecond);
  section.rows.push({
    case: `${rowsAtOnce} at once`,
    adapter: "pool",
    status: "ok",
    value: pool,
    ratios: { "÷ ideal": pool.median / ideal },
  });
  section.rows.push({
    case: `${rowsAtOnce} at once`,
    adapter: "weft",
    status: "ok",
    value,
    ratios: { "÷ ideal": value.median / ideal, "÷ pool": value.median / pool.median },
    details: {
      "rows/s, no delay": result.memoryRowsPerSecond.toFixed(0),
      "RSS before": mb(result.rssBeforeBytes),
      ...Object.fromEntries(result.checkpoints.map((point) => [label(point.rows), mb(point.rssBytes)])),
      "peak RSS": mb(result.peakRssBytes),
    },
  });
  return section;
}
