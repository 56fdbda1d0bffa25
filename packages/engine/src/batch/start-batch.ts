import type { CompiledFlow } from "../graph/compile-flow.js";
import { DEFAULT_BATCH_CONCURRENCY, MAX_BATCH_CONCURRENCY } from "../limits.js";
import type { RunHandle } from "../run/run-handle.js";
import type { BatchOptions, BatchRows } from "./batch-options.js";
import { BatchRun } from "./batch-run.js";
import { planRowInputs } from "./row-inputs.js";

/** What a row's run is started with: `engine.run`'s options, less the inputs. */
export interface RowRunOptions {
  inputs: Record<string, unknown>;
  concurrency?: number;
  runTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/**
 * `engine.batch`: checks the options and the flow's inputs against `map` and `inputs` (throwing
 * before any row is read), then returns the batch, which starts when iterated.
 */
export function startBatch(
  flow: CompiledFlow,
  rows: BatchRows,
  options: BatchOptions,
  run: (flow: CompiledFlow, options: RowRunOptions) => RunHandle,
): BatchRun {
  const concurrency = checkWhole(
    "concurrency",
    options.concurrency ?? DEFAULT_BATCH_CONCURRENCY,
    MAX_BATCH_CONCURRENCY,
  );
  const maxFailures =
    options.maxFailures === undefined ? Infinity : checkWhole("maxFailures", options.maxFailures, Infinity);
  const plan = planRowInputs(flow.flow.inputs, options);
  const perRun = {
    ...(options.runConcurrency === undefined ? {} : { concurrency: options.runConcurrency }),
    ...(options.runTimeoutMs === undefined ? {} : { runTimeoutMs: options.runTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  };
  return new BatchRun(rows, {
    startRun: (inputs) => run(flow, { inputs, ...perRun }),
    plan,
    concurrency,
    maxFailures,
    skip: options.skip,
    signal: options.signal,
  });
}

function checkWhole(name: string, value: number, max: number): number {
  if (Number.isInteger(value) && value >= 1 && value <= max) return value;
  const range = max === Infinity ? "from 1 up" : `from 1 to ${max}`;
  throw new RangeError(`Expected \`${name}\` to be a whole number ${range}, got ${value}`);
}
