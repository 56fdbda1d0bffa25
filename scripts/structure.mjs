// `pnpm structure [root]`: the numbers that show the shape of the code, per package — production
// source files (`src/**/*.ts` without tests), their lines, the largest file, the names each package's
// index exports — and every import cycle between production files. `root` is a checkout of this
// repository (default: this one), so that two commits can be compared. Exits 1 when there is a
// cycle, a production file over 300 lines, or an import the engine must not have (fs, yaml, an SDK).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { argv, exit } from "node:process";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(argv[2] ?? fileURLToPath(new URL("..", import.meta.url)));
const packagesDir = join(root, "packages");

/** Production sources: `.ts` files under `src/`, without tests and test helpers. */
function productionFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...productionFiles(path));
    else if (/\.ts$/.test(entry.name) && !/\.test(-helper)?\.ts$|\.d\.ts$/.test(entry.name)) files.push(path);
  }
  return files;
}

function lineCount(file) {
  const text = readFileSync(file, "utf8");
  return text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** The names a package's `src/index.ts` exports, with `export *` followed. */
function exportedNames(index) {
  const program = ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(index);
  const module = source && checker.getSymbolAtLocation(source);
  return module ? checker.getExportsOfModule(module).map((symbol) => symbol.name) : [];
}

/** Relative imports and re-exports of a file, resolved to files; `typeOnly` when erased at run time. */
function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const imports = [];
  for (const statement of source.statements) {
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) continue;
    const target = resolve(dirname(file), specifier.text.replace(/\.js$/, ".ts"));
    const typeOnly = ts.isImportDeclaration(statement)
      ? (statement.importClause?.isTypeOnly ?? false) ||
        (statement.importClause !== undefined &&
          statement.importClause.name === undefined &&
          statement.importClause.namedBindings !== undefined &&
          ts.isNamedImports(statement.importClause.namedBindings) &&
          statement.importClause.namedBindings.elements.every((element) => element.isTypeOnly))
      : statement.isTypeOnly;
    imports.push({ target, typeOnly });
  }
  return imports;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's. */
function findCycles(files) {
  const edges = new Map(files.map((file) => [file, importsOf(file).filter((i) => edgesTo(i.target))]));
  function edgesTo(target) {
    return files.includes(target);
  }
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  function visit(file) {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const { target } of edges.get(file)) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file), low.get(target)));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file), index.get(target)));
    }
    if (low.get(file) !== index.get(file)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    const selfImport = edges.get(file).some((edge) => edge.target === file);
    if (component.length > 1 || selfImport) {
      const inside = new Set(component);
      const typeOnly = component.every((from) =>
        edges.get(from).every((edge) => !inside.has(edge.target) || edge.typeOnly),
      );
      components.push({ files: component.sort(), typeOnly });
    }
  }
  for (const file of files) if (!index.has(file)) visit(file);
  return components;
}

const packages = readdirSync(packagesDir).filter((name) => {
  const src = join(packagesDir, name, "src");
  return statSync(src, { throwIfNoEntry: false })?.isDirectory();
});

let allFiles = [];
const rows = [];
for (const name of packages) {
  const src = join(packagesDir, name, "src");
  const files = productionFiles(src);
  allFiles = allFiles.concat(files);
  const sizes = files.map((file) => ({ file, lines: lineCount(file) }));
  const largest = sizes.reduce((a, b) => (b.lines > a.lines ? b : a), { file: "", lines: 0 });
  const index = join(src, "index.ts");
  const exported = statSync(index, { throwIfNoEntry: false }) ? exportedNames(index).length : 0;
  rows.push({
    package: name,
    files: files.length,
    lines: sizes.reduce((sum, size) => sum + size.lines, 0),
    largest: `${relative(src, largest.file)} (${largest.lines})`,
    over300: sizes.filter((size) => size.lines > 300).length,
    exported,
  });
}
console.table(rows);

const MAX_LINES = 300;
const long = allFiles.filter((file) => lineCount(file) > MAX_LINES);
for (const file of long)
  console.log(`Over ${MAX_LINES} lines: ${relative(packagesDir, file)} (${lineCount(file)})`);

// The engine is the pure core: no file system, no YAML, no service SDKs.
const FORBIDDEN_IN_ENGINE =
  /^(node:)?(fs|fs\/promises|child_process|net|http|https)$|^yaml$|^openai$|^@azure/;
const engineSrc = join(packagesDir, "engine", "src");
const forbidden = productionFiles(engineSrc).flatMap((file) => {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)]
    .map((match) => match[1])
    .filter((specifier) => FORBIDDEN_IN_ENGINE.test(specifier))
    .map((specifier) => `${relative(packagesDir, file)} imports ${specifier}`);
});
for (const line of forbidden) console.log(`The engine must not import this: ${line}`);

const cycles = findCycles(allFiles);
if (cycles.length === 0) console.log("No import cycles.");
for (const cycle of cycles) {
  const files = cycle.files.map((file) => relative(packagesDir, file)).join(" ↔ ");
  console.log(`Import cycle${cycle.typeOnly ? " (type imports only)" : ""}: ${files}`);
}
exit(cycles.length === 0 && long.length === 0 && forbidden.length === 0 ? 0 : 1);
