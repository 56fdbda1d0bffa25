// Bundles the CLI into a few files: `weft` starts much faster from one module than from hundreds.
// SDKs and rarely used commands stay in chunks loaded on first use. The bundle inlines every
// dependency, @weft/* included, so the published @weft/cli has no runtime dependencies.
import { cpSync, rmSync } from "node:fs";
import { build } from "esbuild";

const outdir = "packages/cli/bundle";
// Chunk names carry content hashes: start empty so that no stale chunk is packed.
rmSync(outdir, { recursive: true, force: true });

await build({
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
  // CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: 'import { createRequire as __weftCreateRequire } from "node:module"; const require = __weftCreateRequire(import.meta.url);',
  },
});

// `weft demo` runs this example; it finds it next to the bundle, in the repository or installed.
const demoFlow = "examples/dynamic-connection/dynamic-connection.flow.json";
cpSync(demoFlow, `${outdir}/${demoFlow}`);
