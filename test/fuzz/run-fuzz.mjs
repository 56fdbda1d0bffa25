#!/usr/bin/env node
/**
 * `pnpm fuzz`: runs the fuzz properties of test/fuzz with WEFT_FUZZ_RUNS cases in all (10,000
 * unless set) and a fresh seed (WEFT_FUZZ_SEED to choose one), then prints how many cases each
 * property ran and how long it took. Extra arguments go to vitest (e.g. a file, or -t "<property>").
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const runs = process.env.WEFT_FUZZ_RUNS || "10000";
const seed = process.env.WEFT_FUZZ_SEED || String(Math.floor(Math.random() * 2 ** 31));
const tally = mkdtempSync(join(tmpdir(), "weft-fuzz-tally-"));
const args = process.argv.slice(2);

process.stdout.write(`weft fuzz: ${runs} cases in all, WEFT_FUZZ_SEED=${seed}\n`);
const started = Date.now();
const vitest = spawn(
  process.execPath,
  [join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...(args.length ? args : ["test/fuzz"])],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, WEFT_FUZZ_RUNS: runs, WEFT_FUZZ_SEED: seed, WEFT_FUZZ_TALLY: tally },
  },
);
const stop = (signal) => vitest.kill(signal);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

vitest.on("exit", (code, signal) => {
  const file = join(tally, "tally.jsonl");
  const lines = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
  // A journal left behind belongs to a worker that died in the middle of a case.
  for (const name of readdirSync(tally).filter((entry) => entry.startsWith("journal-"))) {
    process.stdout.write(
      `\nweft fuzz: a test worker died during this case:\n${readFileSync(join(tally, name), "utf8").slice(0, 6000)}\n`,
    );
  }
  rmSync(tally, { recursive: true, force: true });
  const rows = lines.map((line) => JSON.parse(line));
  let total = 0;
  process.stdout.write("\nweft fuzz: cases per property\n");
  for (const row of rows) {
    total += row.runs;
    const status = row.failed ? "FAILED" : "ok";
    process.stdout.write(
      `  ${String(row.runs).padStart(6)}  ${(row.elapsedMs / 1000).toFixed(1).padStart(7)} s  ${status.padEnd(6)}  ${row.property}\n`,
    );
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`weft fuzz: ${total} cases in ${seconds} s (WEFT_FUZZ_SEED=${seed})\n`);
  process.exitCode = code ?? (signal ? 128 : 1);
});
