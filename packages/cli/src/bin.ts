#!/usr/bin/env node
import * as module from "node:module";

// Node 22.1 and later keep the code they compile in a cache (in the temporary folder) and reuse it
// at the next start, as `tsc` does; `NODE_DISABLE_COMPILE_CACHE=1` turns it off. It must be on
// before the rest of the command is loaded, hence the import below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

await import("./start.js");
