#!/usr/bin/env node
// The `weft` command. Written in syntax that old Node.js versions parse (14 and later), it loads the
// bundle only on a supported version, so that an old Node says what it needs instead of failing with
// a SyntaxError from inside the bundle. Committed rather than built, so that package managers can
// link it before the bundle exists.
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`Weft needs Node.js 20.19 or later; this is ${process.versions.node}.\n`);
  process.exitCode = 1;
} else {
  import("../bundle/weft.js").catch((error) => {
    if (error?.code === "ERR_MODULE_NOT_FOUND") {
      const folder = fileURLToPath(new URL("../bundle/", import.meta.url));
      process.stderr.write(
        `weft: the CLI bundle in ${folder} is missing or incomplete; in the Weft repository, build it with \`pnpm build\`.\n`,
      );
    } else {
      process.stderr.write(`${error?.stack || error}\n`);
    }
    process.exitCode = 1;
  });
}
