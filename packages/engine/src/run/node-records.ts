import type { ErrorInfo } from "../errors/flow-error.js";
import type { NodeState } from "../graph/skip.js";

/**
 * What a run knows of each node, by node index: its state, output, error and timing. Kept as
 * arrays side by side rather than an object per node, so a run of many nodes allocates little.
 */
export class NodeRecords {
  readonly states: NodeState[];
  readonly outputs: unknown[];
  readonly errors: Array<ErrorInfo | undefined>;
  /** Why a node was skipped or cancelled. */
  readonly reasons: Array<string | undefined>;
  /** Attempts made: 0 for a node that never ran. */
  readonly attempts: Uint16Array;
  /** Milliseconds since the epoch when the node started. */
  readonly startedAt: Float64Array;
  readonly durations: Float64Array;
  /** `performance.now()` when the node started, for its duration. */
  readonly runningSince: Float64Array;

  constructor(count: number) {
    this.states = new Array<NodeState>(count).fill("pending");
    this.outputs = new Array(count);
    this.errors = new Array(count);
    this.reasons = new Array(count);
    this.attempts = new Uint16Array(count);
    this.startedAt = new Float64Array(count);
    this.durations = new Float64Array(count);
    this.runningSince = new Float64Array(count);
  }
}
