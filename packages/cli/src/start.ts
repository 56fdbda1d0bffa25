import { main } from "./cli.js";
import { processIo } from "./io.js";

// What `weft` runs, once `bin.ts` has set up the compile cache.
const io = processIo();
process.exitCode = io.exitCode(await main(process.argv.slice(2), io));
