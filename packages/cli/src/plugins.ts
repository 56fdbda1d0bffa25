import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type AnyConnectionKind, type AnyNodeType, describeValue, FlowError } from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import { configPricesSource, type PricesSource } from "./prices-file.js";
import { describeExport, firstLine, loadWeftConfig } from "./weft-config.js";

/**
 * The node types and connection kinds a command works with: the built-in ones, then those of the
 * plug-ins (`--plugin`, `weft.config.mjs`).
 */
export interface CliCatalog {
  nodeTypes: readonly AnyNodeType[];
  connectionKinds: readonly AnyConnectionKind[];
  /** The prices weft.config names, if it does (read when a run needs them). */
  prices?: PricesSource;
}

/** The built-in node types and connection kinds, without plug-ins. */
export const BUILTIN_CATALOG: CliCatalog = {
  nodeTypes: builtinNodeTypes,
  connectionKinds: builtinConnectionKinds,
};

/** The commands that load plug-ins; the others refuse `--plugin`. */
export const PLUGIN_COMMANDS: ReadonlySet<string> = new Set([
  "run",
  "batch",
  "worker",
  "validate",
  "graph",
  "schema",
  "connection",
]);

/** A plug-in module a user named, and where it was named. */
interface PluginEntry {
  /** As written, for messages: `./my-nodes.mjs`, `weft-plugin-x`. */
  specifier: string;
  /** The folder it is resolved from: the current folder, or the config file's. */
  base: string;
  /** The config file that lists it, when it is listed there. */
  config?: string;
}

/**
 * Loads the plug-ins of the nearest `weft.config.{js,mjs}` (from `cwd` upward), then those named
 * with `--plugin`, and adds what they export to the built-ins. A module named twice is loaded once.
 * Any problem — a module that is not there or throws on import, a default export of the wrong
 * shape, a type name the built-ins or another plug-in already have — is a one-line `cli.plugin`
 * error naming the module (exit 2).
 */
export async function loadCatalog(options: { plugins: readonly string[]; cwd: string }): Promise<CliCatalog> {
  const config = await loadWeftConfig(options.cwd);
  const entries: PluginEntry[] = [
    ...(config?.plugins ?? []).map((specifier) => ({
      specifier,
      base: dirname(config!.file),
      config: config!.file,
    })),
    ...options.plugins.map((specifier) => ({ specifier, base: options.cwd })),
  ];
  const prices =
    config?.prices === undefined
      ? undefined
      : configPricesSource(config.prices, config.file, dirname(config.file));
  if (entries.length === 0) return prices ? { ...BUILTIN_CATALOG, prices } : BUILTIN_CATALOG;

  const catalog = new CatalogBuilder();
  const loaded = new Set<string>();
  for (const entry of entries) {
    const file = await resolvePlugin(entry);
    if (loaded.has(file)) continue;
    loaded.add(file);
    catalog.add(await importPlugin(entry, file), pluginName(entry));
  }
  return prices ? { ...catalog.build(), prices } : catalog.build();
}

/** `plug-in ./x.mjs` or `plug-in ./x.mjs (listed in /p/weft.config.mjs)`: how messages name a module. */
function pluginName(entry: PluginEntry): string {
  return `plug-in ${entry.specifier}${entry.config ? ` (listed in ${entry.config})` : ""}`;
}

function pluginError(entry: PluginEntry, why: string): FlowError {
  return new FlowError("cli.plugin", `${pluginName(entry)}: ${why}`);
}

/**
 * A path (`./x.mjs`, `../x.js`, `/abs/x.mjs`, a `file:` URL, or `nodes/x.mjs` when that file exists)
 * is resolved from the entry's folder; anything else is a package name, found as Node's
 * `require.resolve` finds it from there (its `exports`, else `main`).
 */
async function resolvePlugin(entry: PluginEntry): Promise<string> {
  const { specifier, base } = entry;
  const isPath = specifier.startsWith("file:") || specifier.startsWith(".") || isAbsolute(specifier);
  let file: string;
  try {
    file = specifier.startsWith("file:") ? fileURLToPath(specifier) : resolve(base, specifier);
  } catch {
    throw pluginError(entry, "expected a file path or a file: URL");
  }
  const found = (await stat(file).catch(() => undefined))?.isFile();
  if (found) return file;
  if (isPath) throw pluginError(entry, `cannot find the module ${file}`);
  try {
    return createRequire(join(base, "weft-plugin-resolver.js")).resolve(specifier);
  } catch {
    throw pluginError(
      entry,
      `cannot find the package from ${base} (install it there, or name the module's file: ./path/to/module.mjs)`,
    );
  }
}

/** Imports a plug-in at run time (a file URL: the bundle must not inline it) and checks its shape. */
async function importPlugin(entry: PluginEntry, file: string): Promise<Required<PluginExports>> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw pluginError(entry, `cannot be loaded: ${firstLine(error)}`);
  }
  const exported = module.default;
  const expected = "expected a default export { nodeTypes?, connectionKinds? }";
  if (exported === null || typeof exported !== "object" || Array.isArray(exported)) {
    throw pluginError(entry, `${expected}, got ${describeExport(exported)}`);
  }
  for (const key of Object.keys(exported)) {
    if (key !== "nodeTypes" && key !== "connectionKinds") {
      throw pluginError(entry, `${expected}, got an unknown field ${JSON.stringify(key)}`);
    }
  }
  const { nodeTypes = [], connectionKinds = [] } = exported as PluginExports;
  checkList(entry, "nodeTypes", nodeTypes, nodeTypeProblem);
  checkList(entry, "connectionKinds", connectionKinds, connectionKindProblem);
  for (const [index, nodeType] of nodeTypes.entries()) {
    const path = `nodeTypes[${index}].connectionKinds`;
    checkList(entry, path, nodeType.connectionKinds ?? [], connectionKindProblem);
  }
  return { nodeTypes, connectionKinds };
}

/** What a plug-in module's default export holds. */
interface PluginExports {
  nodeTypes?: AnyNodeType[];
  connectionKinds?: AnyConnectionKind[];
}

function checkList(
  entry: PluginEntry,
  path: string,
  list: unknown,
  problemOf: (value: Record<string, unknown>) => string | undefined,
): void {
  if (!Array.isArray(list)) throw pluginError(entry, `${path}: expected a list, got ${describeValue(list)}`);
  list.forEach((value: unknown, index) => {
    const problem =
      value === null || typeof value !== "object"
        ? `expected an object, got ${describeValue(value)}`
        : problemOf(value as Record<string, unknown>);
    if (problem) throw pluginError(entry, `${path}[${index}]: ${problem}`);
  });
}

/** A node type, as `defineNodeType` makes it: a type name, a sentence, a zod input schema, `run`. */
function nodeTypeProblem(value: Record<string, unknown>): string | undefined {
  const missing = [
    typeof value.type === "string" && value.type !== "" ? undefined : "type (a name)",
    typeof value.description === "string" ? undefined : "description",
    typeof (value.input as { safeParse?: unknown } | null)?.safeParse === "function"
      ? undefined
      : "input (a zod schema)",
    typeof value.run === "function" ? undefined : "run (a function)",
  ].filter(Boolean);
  return missing.length === 0
    ? undefined
    : `expected a node type (defineNodeType), missing ${missing.join(", ")}`;
}

/** A connection kind, as `defineConnectionKind` makes it. */
function connectionKindProblem(value: Record<string, unknown>): string | undefined {
  const fields = value.fields as { shape?: unknown; safeParse?: unknown } | null | undefined;
  const missing = [
    typeof value.type === "string" && value.type !== "" ? undefined : "type (a name)",
    typeof value.description === "string" ? undefined : "description",
    typeof fields?.safeParse === "function" && typeof fields.shape === "object"
      ? undefined
      : "fields (a zod object)",
    typeof value.label === "function" ? undefined : "label (a function)",
    typeof value.identity === "function" ? undefined : "identity (a function)",
  ].filter(Boolean);
  return missing.length === 0
    ? undefined
    : `expected a connection kind (defineConnectionKind), missing ${missing.join(", ")}`;
}

/** Collects node types and kinds, refusing a second definition of a name. */
class CatalogBuilder {
  readonly #nodeTypes = new Map<string, { nodeType: AnyNodeType; owner: string }>();
  readonly #kinds = new Map<string, { kind: AnyConnectionKind; owner: string }>();

  constructor() {
    for (const nodeType of BUILTIN_CATALOG.nodeTypes)
      this.#nodeTypes.set(nodeType.type, { nodeType, owner: "built in" });
    for (const kind of BUILTIN_CATALOG.connectionKinds)
      this.#kinds.set(kind.type, { kind, owner: "built in" });
    for (const nodeType of BUILTIN_CATALOG.nodeTypes)
      for (const kind of nodeType.connectionKinds ?? [])
        this.#kinds.set(kind.type, { kind, owner: "built in" });
  }

  add(exported: Required<PluginExports>, owner: string): void {
    const fail = (why: string) => new FlowError("cli.plugin", `${owner}: ${why}`);
    const ownerOf = (known: string) => (known === "built in" ? "is built in" : `is defined by ${known}`);
    for (const nodeType of exported.nodeTypes) {
      const known = this.#nodeTypes.get(nodeType.type);
      if (known) throw fail(`node type ${JSON.stringify(nodeType.type)} ${ownerOf(known.owner)}`);
      this.#nodeTypes.set(nodeType.type, { nodeType, owner });
    }
    const kinds = [
      ...exported.connectionKinds,
      ...exported.nodeTypes.flatMap((type) => type.connectionKinds ?? []),
    ];
    for (const kind of kinds) {
      const known = this.#kinds.get(kind.type);
      // The same kind listed twice (beside a node type that reads it) is one kind.
      if (known?.kind === kind) continue;
      if (known) throw fail(`connection kind ${JSON.stringify(kind.type)} ${ownerOf(known.owner)}`);
      this.#kinds.set(kind.type, { kind, owner });
    }
  }

  build(): CliCatalog {
    return {
      nodeTypes: [...this.#nodeTypes.values()].map((entry) => entry.nodeType),
      connectionKinds: [...this.#kinds.values()].map((entry) => entry.kind),
    };
  }
}

/**
 * What the command line asks for before it is parsed: the command's name, and the `--plugin`
 * modules (the connection commands' options come from the kinds, so plug-ins load first).
 * Everything after `--` is an argument.
 */
export function scanPluginOptions(argv: readonly string[]): { command?: string; plugins: string[] } {
  const plugins: string[] = [];
  let command: string | undefined;
  for (let at = 0; at < argv.length; at += 1) {
    const token = argv[at]!;
    if (token === "--") break;
    if (token === "--plugin") {
      const value = argv[at + 1];
      if (value !== undefined) plugins.push(value);
      at += 1;
    } else if (token.startsWith("--plugin=")) {
      plugins.push(token.slice("--plugin=".length));
    } else if (command === undefined && !token.startsWith("-")) {
      command = token;
    }
  }
  return { ...(command === undefined ? {} : { command }), plugins };
}
