// Bundles the CLI into a few files: `weft` starts much faster from one module than from hundreds.
// SDKs and rarely used commands stay in chunks loaded on first use.
import { build } from "esbuild";

await build({
  entryPoints: { weft: "packages/cli/dist/bin.js" },
  outdir: "packages/cli/bundle",
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
