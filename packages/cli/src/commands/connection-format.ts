import { maskUrlCredentials } from "@weft/engine";
import type { MaskedConnection } from "@weft/store";

/** A key someone put in an endpoint's query (`?api-key=…`) is shown masked, like the other secrets. */
export function withMaskedUrls(connection: MaskedConnection): MaskedConnection {
  const fields = { ...connection } as Record<string, unknown>;
  for (const field of ["endpoint", "baseUrl"]) {
    if (typeof fields[field] === "string") fields[field] = maskUrlCredentials(fields[field]);
  }
  return fields as MaskedConnection;
}

/** `show` as text: one `field: value` line each, records indented. Secrets are already masked. */
export function formatConnection(connection: MaskedConnection): string {
  const lines: string[] = [];
  for (const [field, value] of Object.entries(connection)) {
    if (value !== null && typeof value === "object") {
      const entries = Object.entries(value as Record<string, string>);
      lines.push(entries.length === 0 ? `${field}: {}` : `${field}:`);
      for (const [entry, item] of entries) lines.push(`  ${entry}: ${item}`);
    } else {
      lines.push(`${field}: ${String(value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
