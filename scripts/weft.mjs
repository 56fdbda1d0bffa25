// `pnpm weft …` in this repository. pnpm runs root scripts in the root folder, whichever folder the
// command was typed in, and passes that folder as INIT_CWD; the CLI runs there, so that paths on the
// command line mean what they meant where they were typed. Only for this script: other package
// scripts that run `weft` keep their own folder, as npm scripts do.
import { statSync } from "node:fs";
import { join } from "node:path";
import { chdir, env } from "node:process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const typedIn = env.INIT_CWD;
const isThisScript =
  env.npm_lifecycle_event === "weft" && env.npm_package_json === join(root, "package.json");
if (typedIn && isThisScript && statSync(typedIn, { throwIfNoEntry: false })?.isDirectory()) chdir(typedIn);

await import("../packages/cli/bin/weft.js");
