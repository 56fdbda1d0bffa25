import type { ErrorInfo } from "../errors/flow-error.js";
import type { NodeState } from "../graph/skip.js";

/**
 * What a run knows of each node, by node index: its state, output, error and timing. Kept as
 * arrays side by side rather than an object per node, so a run of many nodes allocates little.
 * Plain arrays of numbers rather than typed arrays: as compact, and several times cheaper to
 * make for the few nodes most runs have.
 */
export class NodeRecords {
  readonly states: NodeState[];
  readonly outputs: unknown[];
  readonly errors: Array<ErrorInfo | undefined>;
  /** Why a node was skipped or cancelled. */
  readonly reasons: Array<string | undefined>;
  /** Attempts made: 0 for a node that never ran. */
  readonly attempts: number[];
  /** Milliseconds since the epoch when the node started. */
  readonly startedAt: number[];
  readonly durations: number[];
  /** `performance.now()` when the node started, for its duration. */
  readonly runningSince: number[];

  constructor(count: number) {
    this.states = new Array<NodeState>(count).fill("pending");
    this.outputs = new Array(count);
    this.errors = new Array(count);
    this.reasons = new Array(count);
    this.attempts = zeros(count);
    this.startedAt = zeros(count);
    this.durations = zeros(count);
    this.runningSince = zeros(count);
  }
}

const PREALLOCATED_LENGTH = 1024;

/**
 * An array of `count` zeros. A small one is made at its size (one grown by `push` starts with room
 * for 17); `new Array(count)` of a large flow would be sparse, so a large one is grown.
 */
function zeros(count: number): number[] {
  if (count <= PREALLOCATED_LENGTH) return new Array<number>(count).fill(0);
  const array: number[] = [];
  for (let index = 0; index < count; index++) array.push(0);
  return array;
}
