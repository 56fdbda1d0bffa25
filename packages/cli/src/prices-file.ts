import { isAbsolute, resolve } from "node:path";
import { FlowError, MAX_PRICES_FILE_BYTES, type Prices, parsePrices } from "@weft/engine";
import { readRegularFile } from "@weft/store";

/** Where a run's prices come from: a file, or a value written in weft.config. */
export type PricesSource = { file: string; label: string } | { value: unknown; label: string };

/**
 * Reads and checks a prices file (`--prices`, or a path in weft.config): JSON of at most
 * `MAX_PRICES_FILE_BYTES`. Every problem is a one-line `prices.invalid` error naming the file and
 * the field (exit 2).
 */
export async function loadPrices(source: PricesSource): Promise<Prices> {
  if ("value" in source) return parsePrices(source.value, source.label);
  const text = await readRegularFile(source.file, {
    code: "prices.invalid",
    expected: "a JSON prices file",
    maxBytes: MAX_PRICES_FILE_BYTES,
    label: source.label,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FlowError(
      "prices.invalid",
      `${source.label}: expected JSON (${(error as Error).message.split("\n")[0]})`,
      { file: source.file },
    );
  }
  return parsePrices(parsed, source.label);
}

/** `prices` as written in a config file: a path relative to the file's folder, or the prices themselves. */
export function configPricesSource(value: unknown, configFile: string, folder: string): PricesSource {
  if (typeof value === "string") {
    const file = isAbsolute(value) ? value : resolve(folder, value);
    return { file, label: `${configFile}: prices ${value}` };
  }
  return { value, label: `${configFile}: prices` };
}
