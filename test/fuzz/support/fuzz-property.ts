import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { it } from "vitest";
import { cut, FailureSurvey } from "./failure-survey.js";
import { PropertyViolation } from "./outcomes.js";
import { takePrototypeChanges } from "./prototype-guard.js";

/**
 * How the fuzz properties run. A normal `vitest run` runs each property the few times listed in
 * FUZZ_BUDGET, with a fixed seed; `pnpm fuzz` sets WEFT_FUZZ_RUNS (the cases to run in all, shared
 * out in the same proportions) and a fresh WEFT_FUZZ_SEED. A failure prints the seed, the path
 * fast-check needs to replay it, and the shrunk counterexample.
 */

/** Cases per property in a normal test run: a few hundred in all, a few seconds on a shared CI core. */
export const FUZZ_BUDGET = {
  "engine: valid flows validate, compile and run to success": 25,
  "engine: validate never throws, and every issue says where": 150,
  "engine: compile agrees with validate": 40,
  "engine: run gives a coded result or refuses before running": 50,
  "engine: literal values come out of a run as they went in": 30,
  "engine: inputs the flow does not declare are refused": 20,
  "engine: node input keys the node type does not know are reported": 20,
  "engine: huge, deep and numerous values end in a bounded, coded outcome": 6,
  "cli: weft validate exits 0 or 2, without stack traces, in bounded output": 3,
  "cli: weft run exits 0, 1 or 2, without stack traces, in bounded output": 3,
} as const;

export type FuzzPropertyName = keyof typeof FUZZ_BUDGET;

const NORMAL_TOTAL = Object.values(FUZZ_BUDGET).reduce((sum, runs) => sum + runs, 0);

/** The seed of a normal test run: fixed, so that the suite is deterministic. */
export const DEFAULT_FUZZ_SEED = 20_261_201;
export const FUZZ_SEED = readInteger("WEFT_FUZZ_SEED") ?? DEFAULT_FUZZ_SEED;
/** Cases to run in all (`pnpm fuzz`); unset in a normal test run. */
export const FUZZ_TOTAL_RUNS = readInteger("WEFT_FUZZ_RUNS");
/** A fast-check path to replay one counterexample (with `-t "<property>"`). */
const REPLAY_PATH = process.env.WEFT_FUZZ_PATH || undefined;
/** A directory where each property appends its count and time, for `pnpm fuzz` to sum up. */
const TALLY_DIRECTORY = process.env.WEFT_FUZZ_TALLY || undefined;
/**
 * Survey mode (`WEFT_FUZZ_SURVEY=1`): run every case even after failures, and list each kind of
 * failure once, with how often it happened and its smallest counterexample (no shrinking). For
 * triage when many properties fail at once.
 */
const SURVEY = Boolean(process.env.WEFT_FUZZ_SURVEY);

/** How long one property may run (generation, checks and shrinking). */
const PROPERTY_TIME_LIMIT_MS = FUZZ_TOTAL_RUNS === undefined ? 25_000 : 4 * 60 * 60 * 1000;

function readInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new Error(`${name}: expected an integer, got ${JSON.stringify(text)}`);
  return value;
}

/** The cases a property runs: its budget, or its share of WEFT_FUZZ_RUNS. */
export function fuzzRuns(name: FuzzPropertyName): number {
  const normal = FUZZ_BUDGET[name];
  return FUZZ_TOTAL_RUNS === undefined
    ? normal
    : Math.max(1, Math.ceil((normal * FUZZ_TOTAL_RUNS) / NORMAL_TOTAL));
}

/** Each property has its own stream of cases, derived from the suite's seed and its name. */
function propertySeed(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return (FUZZ_SEED ^ hash) | 0;
}

/** Options of one fuzz property. */
export interface FuzzTestOptions<T> {
  /** Writes a counterexample for a failure message; `fc.stringify`, cut short, unless given. */
  describe?: (value: T) => string;
  /** How big a counterexample is, to show the smallest of each kind in survey mode; the described length unless given. */
  size?: (value: T) => number;
  /** The test file, for the replay command in failure messages. */
  file: string;
}

/**
 * Declares a vitest test that checks `predicate` on `runs` cases from `arbitrary()` (built when
 * the test starts, after the file's servers are up). After each case, the built-in prototypes
 * must be as they were: a change is undone and fails the case.
 */
export function fuzzTest<T>(
  name: FuzzPropertyName,
  arbitrary: () => fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  options: FuzzTestOptions<T>,
): void {
  const runs = fuzzRuns(name);
  it(
    name,
    async () => {
      const seed = propertySeed(name);
      const started = performance.now();
      // A case that kills the worker (out of memory, a native crash) leaves no report: under
      // `pnpm fuzz` each case is written down before it runs, and the runner shows what is left.
      const journal = TALLY_DIRECTORY ? join(TALLY_DIRECTORY, `journal-${process.pid}.txt`) : undefined;
      const describe = options.describe ?? fc.stringify;
      const guarded = async (value: T) => {
        if (journal) writeFileSync(journal, `${name}\n${describe(value)}\n`);
        let failure: unknown;
        try {
          await predicate(value);
        } catch (error) {
          failure = error;
        }
        const changes = takePrototypeChanges();
        if (changes.length > 0) {
          const prefix =
            failure === undefined ? "" : `${(failure as Error)?.message ?? String(failure)}\nand `;
          throw new PropertyViolation(
            `${prefix}the case changed built-in prototypes:\n  ${changes.join("\n  ")}`,
          );
        }
        if (failure !== undefined) throw failure;
      };
      const survey = new FailureSurvey<T>(describe, options.size);
      const surveyed = (value: T) => guarded(value).catch((error: unknown) => survey.record(value, error));
      const details = await fc.check(fc.asyncProperty(arbitrary(), SURVEY ? surveyed : guarded), {
        numRuns: runs,
        seed,
        ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}),
        interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS,
        endOnFailure: false,
      });
      const elapsedMs = performance.now() - started;
      if (journal) rmSync(journal, { force: true });
      if (TALLY_DIRECTORY) {
        const failed = details.failed || survey.size > 0;
        const line = {
          property: name,
          runs: details.numRuns,
          shrinks: details.numShrinks,
          failed,
          elapsedMs,
        };
        appendFileSync(join(TALLY_DIRECTORY, "tally.jsonl"), `${JSON.stringify(line)}\n`);
      }
      if (survey.size > 0) throw new Error(survey.report(name, details.numRuns, FUZZ_SEED));
      if (details.failed) throw new Error(describeFailure(name, details, options));
    },
    PROPERTY_TIME_LIMIT_MS + 60_000,
  );
}

function describeFailure<T>(name: string, details: fc.RunDetails<[T]>, options: FuzzTestOptions<T>): string {
  const file = relative(process.cwd(), options.file);
  const lines = [
    `fuzz property "${name}" failed after ${details.numRuns} case(s), shrunk ${details.numShrinks} time(s)`,
  ];
  lines.push(
    `  seed: WEFT_FUZZ_SEED=${FUZZ_SEED} (fast-check seed ${details.seed}), path ${details.counterexamplePath}`,
  );
  if (details.counterexample === null) {
    lines.push(
      details.interrupted ? "  interrupted by the time limit before a case failed" : "  no counterexample",
    );
    return lines.join("\n");
  }
  lines.push(
    `  replay: WEFT_FUZZ_SEED=${FUZZ_SEED} WEFT_FUZZ_PATH="${details.counterexamplePath}" npx vitest run ${file} -t "${name}"`,
  );
  if (details.interrupted) lines.push("  (shrinking was cut short by the time limit)");
  const [value] = details.counterexample;
  const described = options.describe ? options.describe(value) : fc.stringify(value);
  lines.push("counterexample:", cut(described, 6_000));
  const error = details.errorInstance;
  lines.push("failure:", cut(error instanceof Error ? error.message : String(error), 3_000));
  if (error instanceof Error && error.name !== "PropertyViolation" && error.stack) {
    lines.push("thrown at:", ...error.stack.split("\n").slice(1, 9));
  }
  return lines.join("\n");
}
