/** Median, min and max of repeated measurements. */
export interface Stat {
  median: number;
  min: number;
  max: number;
  /** How many measurements the figures summarise. */
  samples: number;
}

export function summarize(values: readonly number[]): Stat {
  if (values.length === 0) throw new Error("Expected at least one measurement, got none");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples: sorted.length };
}

/** Applies `transform` to every figure, e.g. ms per run → µs per node; flips min and max if it decreases. */
export function mapStat(stat: Stat, transform: (value: number) => number): Stat {
  const [low, high] = [transform(stat.min), transform(stat.max)].sort((a, b) => a - b);
  return { median: transform(stat.median), min: low!, max: high!, samples: stat.samples };
}

/** Runs a full collection when node runs with `--expose-gc`, so one sample's garbage is not the next one's pause. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs `task(0 … total-1)` with at most `concurrency` in flight; rejects on the first failure. */
export async function runPool(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** Milliseconds `task` took. */
export async function timeMs(task: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

/** Samples the resident set size on a timer and keeps the peak. */
export class RssSampler {
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;

  start(intervalMs = 10): this {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
    return this;
  }

  /** Takes a sample now and returns it. */
  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
    return rss;
  }

  /** Stops sampling and returns the peak in bytes. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}

export const megabytes = (bytes: number) => bytes / 1024 / 1024;
