import { once } from "node:events";
import { join } from "node:path";
import { type RunningCli, spawnCli, tempDir } from "./batch.js";
import { ROOT } from "./cli.js";

/** The key the queue tests' producers and workers share (32 bytes, base64). */
export const SECRET_KEY = Buffer.alloc(32, 3).toString("base64");

/** Short locks, so that a killed worker's rows run again within a few seconds, and a busy worker keeps its locks. */
export const FAST_STALLS = ["--lock-duration", "3000", "--stalled-interval", "1000"];

/** The plug-in whose node type ends its worker on the text "crash". */
export const CRASH_PLUGIN = join(ROOT, "test", "fixtures", "queue", "crash-plugin.mjs");
export const CRASH_FLOW = join(ROOT, "test", "fixtures", "queue", "crash.flow.json");

/** The environment of a producer or worker: the shared key, a fresh home. */
export function queueEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { WEFT_SECRET_KEY: SECRET_KEY, WEFT_HOME: tempDir(), ...extra };
}

/**
 * `weft worker` processes on one Redis. With `respawn`, a worker that exits on its own (a crash)
 * is replaced, as a process supervisor would.
 */
export class WorkerPool {
  readonly running = new Set<RunningCli>();
  readonly exits: Array<{ code: number; signal: NodeJS.Signals | null }> = [];
  #stopping = false;

  constructor(
    readonly args: string[],
    readonly options: { respawn?: boolean; env?: Record<string, string> } = {},
  ) {}

  /** Starts `count` workers and waits until each takes rows. */
  async start(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.#startOne()));
  }

  async #startOne(): Promise<RunningCli> {
    const worker = spawnCli(["worker", ...this.args], queueEnv(this.options.env));
    this.running.add(worker);
    void worker.exited.then((result) => {
      this.running.delete(worker);
      this.exits.push({ code: result.code, signal: result.signal });
      if (!this.#stopping && this.options.respawn) this.#startOne().catch(() => {});
    });
    let seen = "";
    worker.child.stderr?.on("data", (chunk) => {
      seen += chunk;
    });
    while (!seen.includes("worker ready")) {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null)
        throw new Error(`a worker exited before it was ready:\n${seen}`);
      await Promise.race([once(worker.child.stderr!, "data"), once(worker.child, "exit")]);
    }
    return worker;
  }

  /** SIGKILLs one running worker (its rows run again elsewhere once their locks expire). */
  killOne(): void {
    const [worker] = this.running;
    worker?.child.kill("SIGKILL");
  }

  /** Stops every worker (SIGTERM: each ends its rows first) and waits for them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const all = [...this.running];
    for (const worker of all) worker.child.kill("SIGTERM");
    await Promise.all(all.map((worker) => worker.exited));
  }
}
