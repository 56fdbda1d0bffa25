import type { Stat } from "./measure.js";

/** `ok`: measured; `n/a`: the library cannot run this case; `pending`: Weft's part is not built yet. */
export type RowStatus = "ok" | "n/a" | "pending";

/** One adapter's figures for one case of a workload. */
export interface Row {
  case: string;
  adapter: string;
  status: RowStatus;
  /** Why there are no figures, for `n/a` and `pending`. */
  reason?: string;
  /** The section's metric: median, min and max over the samples. */
  value?: Stat;
  /** Keyed by the section's `ratioColumns`; computed from medians. */
  ratios?: Record<string, number>;
  /** Keyed by the section's `detailColumns`, already formatted. */
  details?: Record<string, string>;
}

/** The result of one workload (W1–W7). */
export interface Section {
  id: string;
  title: string;
  /** What `value` measures, with its unit, e.g. `µs/node`. */
  metric: string;
  ratioColumns: string[];
  detailColumns: string[];
  rows: Row[];
  notes: string[];
}

/** Everything one `pnpm bench` printed, as `--json` gives it. */
export interface BenchReport {
  node: string;
  platform: string;
  cpus: number;
  quick: boolean;
  startedAt: string;
  sections: Section[];
}

/** Divides `row`'s median by the median of the row of `adapter` in the same case, if both were measured. */
export function ratioTo(rows: readonly Row[], row: Row, adapter: string): number | undefined {
  const other = rows.find((candidate) => candidate.case === row.case && candidate.adapter === adapter);
  if (!row.value || !other?.value || other === row) return undefined;
  return row.value.median / other.value.median;
}

/**
 * Fills the usual ratio columns of every measured row: `÷ floor` (this row's median over the floor's)
 * and, for peers, `÷ weft`. For a throughput a ratio below 1 means slower, for a time faster.
 */
export function addAdapterRatios(rows: Row[]): void {
  for (const row of rows) {
    const versusFloor = row.adapter === "floor" ? undefined : ratioTo(rows, row, "floor");
    const versusWeft = ratioTo(rows, row, "weft");
    row.ratios = {
      ...row.ratios,
      ...(versusFloor !== undefined ? { "÷ floor": versusFloor } : {}),
      ...(versusWeft !== undefined ? { "÷ weft": versusWeft } : {}),
    };
  }
}
