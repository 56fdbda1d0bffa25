import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describeValue, FlowError } from "@weft/engine";

/** The names a config file may have, looked for in this order in each folder. */
export const CONFIG_FILE_NAMES = ["weft.config.mjs", "weft.config.js"] as const;

/** What a `weft.config.{js,mjs}` says. */
export interface WeftConfig {
  /** The config file, absolute. */
  file: string;
  /** Plug-in modules as written: paths relative to the config file's folder, or package names. */
  plugins: string[];
  /** `prices`: a prices file (relative to the config file's folder) or the prices themselves. */
  prices?: unknown;
}

/** The settings a config file may have. */
const SETTINGS = new Set(["plugins", "prices"]);

/**
 * Finds the nearest `weft.config.mjs` or `weft.config.js`, from `cwd` up to the file system's
 * root, and reads it: its default export is `{ plugins?: string[], prices?: string | object }`. `undefined` when there is
 * none. A config that cannot be loaded, or says something weft does not know, is a one-line
 * `cli.config` error naming the file.
 */
export async function loadWeftConfig(cwd: string): Promise<WeftConfig | undefined> {
  const file = await findConfigFile(cwd);
  if (file === undefined) return undefined;
  const fail = (why: string) => new FlowError("cli.config", `${file}: ${why}`, { file });
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw fail(`cannot be loaded: ${firstLine(error)}`);
  }
  if (exported === null || typeof exported !== "object" || Array.isArray(exported)) {
    throw fail(`expected a default export { plugins: [...] }, got ${describeExport(exported)}`);
  }
  for (const key of Object.keys(exported)) {
    if (!SETTINGS.has(key)) throw fail(`unknown setting ${JSON.stringify(key)} (known: plugins, prices)`);
  }
  const plugins = (exported as { plugins?: unknown }).plugins ?? [];
  if (!Array.isArray(plugins) || plugins.some((plugin) => typeof plugin !== "string" || plugin === "")) {
    throw fail(
      `plugins: expected a list of module paths or package names (strings), got ${describeValue(plugins)}`,
    );
  }
  const prices = (exported as { prices?: unknown }).prices;
  return { file, plugins: plugins as string[], ...(prices === undefined ? {} : { prices }) };
}

async function findConfigFile(cwd: string): Promise<string | undefined> {
  for (let folder = cwd; ; folder = dirname(folder)) {
    const found: string[] = [];
    for (const name of CONFIG_FILE_NAMES) {
      const file = join(folder, name);
      if ((await stat(file).catch(() => undefined))?.isFile()) found.push(file);
    }
    if (found.length > 1) {
      throw new FlowError(
        "cli.config",
        `${folder} has both ${CONFIG_FILE_NAMES.join(" and ")}; keep one of them`,
      );
    }
    if (found[0] !== undefined) return found[0];
    if (dirname(folder) === folder) return undefined;
  }
}

/** The first line of what an import threw: a syntax error, a missing import, the module's own throw. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  const line = text.split("\n")[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** A default export, described for an `expected …, got …` message. */
export function describeExport(value: unknown): string {
  return value === undefined ? "no default export" : describeValue(value);
}
