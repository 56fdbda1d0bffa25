// `pnpm api`: writes the API report of each library package, `packages/<name>/api/<name>.api.md`,
// from its built declarations (`dist/index.d.ts`, so `tsc -b` first). The reports are committed: a
// change of a public name or signature shows in review as a change of its report.
//
// `node scripts/api-report.mjs --check` changes nothing and exits 1 when a report is out of date
// (`test/api-report.test.ts` runs it). `--reports <dir>` reads and writes the reports in
// `<dir>/<name>/` instead, so that the check itself can be tested. Package names after the options
// (`engine nodes`) limit the run to those packages.
//
// The report is api-extractor's "public" variant: what an app can use, without the members marked
// `@internal` (such as `RunHandle`'s constructor: runs are made by `engine.run()`).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { argv, exit, stderr, stdout } from "node:process";
import { fileURLToPath } from "node:url";
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";

/** The packages with a library API (`@weft/cli` is a command, not a library). */
const PACKAGES = ["engine", "nodes", "queue", "store", "testing"];

const root = fileURLToPath(new URL("..", import.meta.url));
const check = argv.includes("--check");
const reportsOption = argv.indexOf("--reports");
const reportsRoot = reportsOption === -1 ? undefined : argv[reportsOption + 1];
const named = argv.slice(2).filter((arg, index) => !arg.startsWith("--") && index + 2 !== reportsOption + 1);
const unknown = named.find((name) => !PACKAGES.includes(name));
if (unknown) {
  stderr.write(`Expected a package of ${PACKAGES.join(", ")}, got "${unknown}"\n`);
  exit(2);
}
const tempFolder = mkdtempSync(join(tmpdir(), "weft-api-"));

/** Runs api-extractor on one package into the temporary folder; returns the report's path there. */
function extract(name) {
  const projectFolder = join(root, "packages", name);
  const outFolder = join(tempFolder, name);
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder,
      mainEntryPointFilePath: "<projectFolder>/dist/index.d.ts",
      compiler: { tsconfigFilePath: "<projectFolder>/tsconfig.json" },
      apiReport: {
        enabled: true,
        reportFolder: join(outFolder, "report"),
        reportTempFolder: join(outFolder, "temp"),
        reportFileName: name,
        reportVariants: ["public"],
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: "lf",
      messages: {
        compilerMessageReporting: { default: { logLevel: "warning" } },
        extractorMessageReporting: {
          default: { logLevel: "warning" },
          // Sorted out below: see `forgotten`.
          "ae-forgotten-export": { logLevel: "none", addToApiReportFile: false },
          "ae-missing-release-tag": { logLevel: "none" },
          "ae-undocumented": { logLevel: "none" },
          "ae-unresolved-link": { logLevel: "none" },
        },
        tsdocMessageReporting: { default: { logLevel: "none" } },
      },
    },
    configObjectFullPath: join(projectFolder, "api-extractor.json"),
    packageJsonFullPath: join(projectFolder, "package.json"),
  });
  mkdirSync(join(outFolder, "report"), { recursive: true });
  /**
   * Types that declarations of the package name without the package exporting them. One that the
   * public report shows is a hole in the API (an app sees the type and cannot name it); one that
   * only `@internal` members name (such as `RunHandle`'s constructor, which `engine.run()` calls)
   * is not in the report and is fine.
   */
  const forgotten = [];
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback(message) {
      // Only problems are worth printing; the report file is handled below.
      if (message.logLevel === "info" || message.logLevel === "verbose") message.handled = true;
      if (message.messageId.startsWith("console-api-report")) message.handled = true;
      const symbol = /The symbol "([^"]+)"/.exec(message.text)?.[1];
      if (message.messageId === "ae-forgotten-export" && symbol)
        forgotten.push({ symbol, where: message.formatMessageWithLocation(projectFolder) });
    },
  });
  if (!result.succeeded)
    throw new Error(`@weft/${name}: api-extractor failed (${result.errorCount} errors, above)`);
  const reportFile = join(outFolder, "report", `${name}.public.api.md`);
  const text = readFileSync(reportFile, "utf8");
  const holes = forgotten.filter(({ symbol }) => new RegExp(`\\b${symbol}\\b`).test(text));
  if (holes.length > 0)
    throw new Error(
      `@weft/${name}: public signatures name types it does not export:\n${holes.map((hole) => `  ${hole.where}`).join("\n")}`,
    );
  writeFileSync(reportFile, withoutUnusedImports(text));
  return reportFile;
}

/**
 * The report keeps the imports of the members it leaves out (`@internal` ones): an import that
 * nothing in the report uses would suggest a dependency the public API does not have.
 */
function withoutUnusedImports(text) {
  const lines = text.split("\n");
  const body = lines.filter((line) => !line.startsWith("import ")).join("\n");
  return lines
    .filter((line) => {
      const names = /^import (?:type )?\{ (.+) \} from /.exec(line)?.[1]?.split(", ");
      return !names || names.some((name) => new RegExp(`\\b${name}\\b`).test(body));
    })
    .join("\n");
}

function readText(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Writes or checks one package's report; returns a problem to print, or undefined. */
function report(name) {
  const reportFolder = reportsRoot ? join(resolve(reportsRoot), name) : join(root, "packages", name, "api");
  const reportFile = join(reportFolder, `${name}.api.md`);
  const shownPath = reportsRoot ? reportFile : relative(root, reportFile);
  const generated = extract(name);
  if (!check) {
    mkdirSync(reportFolder, { recursive: true });
    copyFileSync(generated, reportFile);
    stdout.write(`@weft/${name}: ${shownPath} written\n`);
    return undefined;
  }
  const committed = readText(reportFile);
  if (committed === undefined) return `${shownPath} is missing: run \`pnpm api\` and commit it`;
  if (committed !== readText(generated))
    return `The public API of @weft/${name} differs from ${shownPath}: run \`pnpm api\` and commit the report`;
  stdout.write(`@weft/${name}: ${shownPath} is up to date\n`);
  return undefined;
}

let failed = false;
try {
  for (const name of named.length > 0 ? named : PACKAGES) {
    const problem = report(name);
    if (problem) {
      stderr.write(`${problem}\n`);
      failed = true;
    }
  }
} catch (error) {
  stderr.write(`${error instanceof Error ? error.message : error}\n`);
  failed = true;
} finally {
  rmSync(tempFolder, { recursive: true, force: true });
}
exit(failed ? 1 : 0);
