// Bundles the CLI into a few files: `weft` starts much faster from one module than from hundreds.
// SDKs and rarely used commands stay in chunks loaded on first use. The bundle inlines every
// dependency, @weft/* included, so the published @weft/cli has no runtime dependencies; their
// licences go next to it, in THIRD-PARTY-LICENSES.txt.
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const outdir = "packages/cli/bundle";
// Chunk names carry content hashes: start empty so that no stale chunk is packed.
rmSync(outdir, { recursive: true, force: true });

const { metafile } = await build({
  entryPoints: { weft: "packages/cli/dist/bin.js" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["import", "node", "default"],
  // ES module builds where a package has one (jsonc-parser's UMD build defeats bundling).
  mainFields: ["module", "main"],
  logLevel: "warning",
  legalComments: "none",
  sourcemap: "linked",
  metafile: true,
  plugins: [englishOnlyZod()],
  // CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: 'import { createRequire as __weftCreateRequire } from "node:module"; const require = __weftCreateRequire(import.meta.url);',
  },
});

/**
 * zod re-exports all of its 40-odd locales (`z.locales`), 40% of its code, and a namespace
 * re-export is not tree-shaken: every `weft` start would parse them. Weft's messages are English,
 * the locale zod configures by default, so the bundle keeps that one only.
 */
function englishOnlyZod() {
  return {
    name: "english-only-zod",
    setup(build) {
      build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) =>
        /[\\/]zod[\\/]v4[\\/]/.test(importer)
          ? { path: join(dirname(importer), "..", "locales", "index.js"), namespace: "zod-locales" }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "zod-locales" }, ({ path }) => ({
        contents: `export { default as en } from "./en.js";`,
        resolveDir: dirname(path),
        loader: "js",
      }));
    },
  };
}

// `weft demo` runs this example; it finds it next to the bundle, in the repository or installed.
const demoFlow = "examples/dynamic-connection/dynamic-connection.flow.json";
cpSync(demoFlow, `${outdir}/${demoFlow}`);

writeFileSync(`${outdir}/THIRD-PARTY-LICENSES.txt`, thirdPartyLicenses(Object.keys(metafile.inputs)));

/** The name, version, licence and licence text of every package the bundle inlines. */
function thirdPartyLicenses(inputs) {
  const folders = new Set();
  for (const input of inputs) {
    // A module a plugin made (`zod-locales:…`) belongs to a package whose own files are listed.
    if (/^[a-z-]+:/.test(input)) continue;
    const match = input.match(/^.*node_modules\/(?:@[^/]+\/)?[^/]+\//);
    if (match) folders.add(match[0]);
  }
  const sections = [...folders].map((folder) => {
    const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
    const licenseFile = readdirSync(folder).find((name) => /^licen[cs]e/i.test(name));
    const text = licenseFile
      ? readFileSync(join(folder, licenseFile), "utf8").trim()
      : "(the package ships no licence text)";
    return `${manifest.name}@${manifest.version} (${manifest.license ?? "no licence field"})\n\n${text}\n`;
  });
  return ["The weft command bundles these packages. Their licences follow.\n", ...sections.sort()].join(
    `\n${"-".repeat(80)}\n\n`,
  );
}
