import type { CompiledFlow } from "../graph/compile-flow.js";
import {
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_BATCH_MAX_WAITING_ROWS,
  MAX_BATCH_CONCURRENCY,
  MAX_BATCH_WAITING_ROWS,
} from "../limits.js";
import type { RunHandle } from "../run/run-handle.js";
import type { RunSlot } from "../run/run-waits.js";
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
  run: (flow: CompiledFlow, options: RowRunOptions, slot: RunSlot) => RunHandle,
): BatchRun {
  const concurrency = checkWhole(
    "concurrency",
    options.concurrency ?? DEFAULT_BATCH_CONCURRENCY,
    MAX_BATCH_CONCURRENCY,
  );
  const maxWaitingRows = checkWhole(
    "maxWaitingRows",
    options.maxWaitingRows ?? DEFAULT_BATCH_MAX_WAITING_ROWS,
    MAX_BATCH_WAITING_ROWS,
    0,
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
    startRun: (inputs, slot) => run(flow, { inputs, ...perRun }, slot),
    plan,
    concurrency,
    maxWaitingRows,
    maxFailures,
    skip: options.skip,
    signal: options.signal,
  });
}

function checkWhole(name: string, value: number, max: number, min = 1): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Infinity ? `from ${min} up` : `from ${min} to ${max}`;
  throw new RangeError(`Expected \`${name}\` to be a whole number ${range}, got ${value}`);
}
