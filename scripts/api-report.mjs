// `pnpm api`: writes the API report of each library package, `packages/<name>/api/<name>.api.md`,
// from its built declarations (`dist/index.d.ts`, so `tsc -b` first). The reports are committed: a
// change of a public name or signature shows in review as a change of its report.
// `node scripts/api-report.mjs --check` changes nothing and exits 1 when a report is out of date
// (the test `test/api-report.test.ts` runs it). `--reports <dir>` reads and writes the reports in
// `<dir>/<name>/` instead, so that the check itself can be tested. Package names after the options
// (`engine nodes`) limit the run to those packages.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { argv, exit, stderr, stdout } from "node:process";
import { fileURLToPath } from "node:url";
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";

/** The packages with a library API (`@weft/cli` is a command, not a library). */
const PACKAGES = ["engine", "nodes", "store", "testing"];

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

/** Runs api-extractor on one package; returns a problem to print, or undefined. */
function report(name) {
  const projectFolder = join(root, "packages", name);
  const reportFolder = reportsRoot ? join(resolve(reportsRoot), name) : join(projectFolder, "api");
  const reportFile = join(reportFolder, `${name}.api.md`);
  const reportPath = reportsRoot ? reportFile : relative(root, reportFile);
  if (!check) mkdirSync(reportFolder, { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder,
      mainEntryPointFilePath: "<projectFolder>/dist/index.d.ts",
      compiler: { tsconfigFilePath: "<projectFolder>/tsconfig.json" },
      apiReport: {
        enabled: true,
        reportFolder,
        reportTempFolder: join(tempFolder, name),
        reportFileName: "<unscopedPackageName>.api.md",
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: "lf",
      messages: {
        compilerMessageReporting: { default: { logLevel: "warning" } },
        extractorMessageReporting: {
          default: { logLevel: "warning" },
          // Each is written into the report, where review sees it; no need to repeat it here.
          "ae-forgotten-export": { logLevel: "none", addToApiReportFile: true },
          "ae-missing-release-tag": { logLevel: "none" },
          "ae-unresolved-link": { logLevel: "none" },
          "ae-undocumented": { logLevel: "none" },
        },
        tsdocMessageReporting: { default: { logLevel: "none" } },
      },
    },
    configObjectFullPath: join(projectFolder, "api-extractor.json"),
    packageJsonFullPath: join(projectFolder, "package.json"),
  });
  const result = Extractor.invoke(config, {
    localBuild: !check,
    messageCallback(message) {
      // Only problems are worth printing; a changed report is said below in this repository's terms.
      if (message.logLevel === "info" || message.logLevel === "verbose") message.handled = true;
      if (message.messageId === "console-api-report-changed") message.handled = true;
    },
  });
  if (check && result.apiReportChanged) {
    const committed = readText(config.reportFilePath);
    return committed === undefined
      ? `${reportPath} is missing: run \`pnpm api\` and commit it`
      : `The public API of @weft/${name} differs from ${reportPath}: run \`pnpm api\` and commit the report`;
  }
  if (!result.succeeded) return `@weft/${name}: api-extractor failed (${result.errorCount} errors, above)`;
  return undefined;
}

function readText(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

let failed = false;
try {
  for (const name of named.length > 0 ? named : PACKAGES) {
    const problem = report(name);
    if (problem) {
      stderr.write(`${problem}\n`);
      failed = true;
    } else stdout.write(`@weft/${name}: API report ${check ? "up to date" : "written"}\n`);
  }
} finally {
  rmSync(tempFolder, { recursive: true, force: true });
}
exit(failed ? 1 : 0);
