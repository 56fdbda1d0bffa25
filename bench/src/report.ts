import type { Stat } from "./measure.js";
import type { BenchReport, Row, Section } from "./results.js";

/** About three significant figures, enough for timings that drift by more than that. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 0.1) return value.toFixed(2);
  return value.toPrecision(2);
}

function formatStat(stat: Stat): string {
  if (stat.samples === 1) return formatNumber(stat.median);
  return `${formatNumber(stat.median)} [${formatNumber(stat.min)}–${formatNumber(stat.max)}] n=${stat.samples}`;
}

function cellsOf(section: Section, row: Row, previous: Row | undefined): string[] {
  const caseCell = previous?.case === row.case ? "" : row.case;
  if (!row.value) {
    const blanks = [...section.ratioColumns, ...section.detailColumns].map(() => "");
    return [caseCell, row.adapter, row.status, ...blanks, row.reason ? `(${row.reason})` : ""];
  }
  const ratios = section.ratioColumns.map((column) => {
    const ratio = row.ratios?.[column];
    return ratio === undefined ? "" : formatNumber(ratio);
  });
  const details = section.detailColumns.map((column) => row.details?.[column] ?? "");
  return [caseCell, row.adapter, formatStat(row.value), ...ratios, ...details, ""];
}

/** Pads columns to their widest cell; the last column (reasons, notes) is left ragged. */
function formatTable(lines: string[][]): string {
  const widths: number[] = [];
  for (const cells of lines) {
    cells.slice(0, -1).forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return lines
    .map((cells) =>
      cells
        .map((cell, index) => (index < cells.length - 1 ? cell.padEnd(widths[index]!) : cell))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function formatSection(section: Section): string {
  const repeated = section.rows.some((row) => (row.value?.samples ?? 0) > 1);
  const statLabel = repeated ? `${section.metric}, median [min–max] n=samples` : section.metric;
  const header = ["case", "adapter", statLabel, ...section.ratioColumns, ...section.detailColumns, ""];
  const lines = [header, ...section.rows.map((row, index) => cellsOf(section, row, section.rows[index - 1]))];
  const notes = section.notes.map((note) => `  ${note}`);
  return [`${section.id}  ${section.title}`, formatTable(lines), ...notes].join("\n");
}

/** The report as the terminal shows it: one table per workload, then its notes. */
export function formatReport(report: BenchReport): string {
  const heading = `Weft bench — node ${report.node}, ${report.platform}, ${report.cpus} CPUs${report.quick ? ", --quick" : ""}`;
  return [heading, ...report.sections.map(formatSection)].join("\n\n");
}
