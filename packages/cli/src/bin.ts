#!/usr/bin/env node
import { main } from "./cli.js";
import { processIo } from "./io.js";

const io = processIo();
process.exitCode = io.exitCode(await main(process.argv.slice(2), io));
