import type { StepRunner } from "../step.js";
import type { Workload } from "../workloads.js";

/** How a workload is to be run. */
export interface RunOptions {
  /** Most nodes running at once within one run; `Infinity` for no limit. */
  concurrency: number;
  /** The work each node does; every adapter calls it once per node it runs. */
  step: StepRunner;
}

/** A workload turned into the library's own graph, built once and run many times. */
export interface PreparedWorkload {
  /** Runs every node once; rejects if the library reports a failure. */
  run(): Promise<void>;
  /** How many nodes of one run call `step` (fewer when an engine runs some with its own node types). */
  readonly stepsPerRun: number;
}

/** One library (or the hand-written floor) behind the same small interface. */
export interface Adapter {
  readonly name: string;
  /** Why this adapter cannot run the workload with these options, if it cannot. */
  unsupported?(workload: Workload, options: RunOptions): string | undefined;
  /** Builds the library's graph: what a user does once, before running it. */
  prepare(workload: Workload, options: RunOptions): PreparedWorkload | Promise<PreparedWorkload>;
}

/** Thrown when the adapter's library is not usable yet (e.g. not built); reported as "pending". */
export class AdapterUnavailableError extends Error {
  override readonly name = "AdapterUnavailableError";
}
