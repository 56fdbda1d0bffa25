#!/usr/bin/env node
import * as module from "node:module";

// Node 22.1 and later keep the code they compile in a cache (in the temporary folder) and reuse it
// at the next start, as `tsc` does; `NODE_DISABLE_COMPILE_CACHE=1` turns it off. It must be on
// before the rest of the command is loaded, hence the imports below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { main } = await import("./cli.js");
const { processIo } = await import("./io.js");
const io = processIo();
process.exitCode = io.exitCode(await main(process.argv.slice(2), io));
