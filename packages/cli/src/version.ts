import { readFileSync } from "node:fs";

/**
 * The version of @weft/cli, read from its package.json so that `weft --version` follows releases.
 * The file is one folder up from src/, dist/ and bundle/ alike, in the repository and installed.
 */
export function cliVersion(): string {
  const manifest = new URL("../package.json", import.meta.url);
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}
