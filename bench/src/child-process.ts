import { type ChildProcess, fork } from "node:child_process";

/** The script both parent and children run: the built entry point. */
const entry = new URL("./run.js", import.meta.url);

/**
 * A measurement running in its own node process (same flags as this one), driven by messages:
 * the parent sends a request and awaits the reply. Separate processes keep one library's modules
 * and garbage out of another's peak RSS.
 */
export class ChildConnection<Reply> {
  readonly #child: ChildProcess;
  readonly #replies: Reply[] = [];
  #waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  #exit: Error | undefined;

  constructor(args: readonly string[]) {
    this.#child = fork(entry, ["--child", ...args], {
      execArgv: process.execArgv,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    this.#child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    this.#child.on("message", (reply) => {
      if (this.#waiting) {
        this.#waiting.resolve(reply as Reply);
        this.#waiting = undefined;
      } else this.#replies.push(reply as Reply);
    });
    this.#child.on("exit", (code, signal) => {
      const lastLines = stderr.trim().split("\n").slice(-3).join(" ");
      this.#exit = new Error(`child ${args.join(" ")} exited (${code ?? signal}) ${lastLines}`.trim());
      this.#waiting?.reject(this.#exit);
      this.#waiting = undefined;
    });
  }

  /** The next message from the child, in the order it sent them. */
  next(): Promise<Reply> {
    const buffered = this.#replies.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    if (this.#exit) return Promise.reject(this.#exit);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** Sends a request and awaits its reply. */
  request(message: string): Promise<Reply> {
    this.#child.send(message);
    return this.next();
  }

  /** Ends the child if it has not ended on its own. */
  close(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }
}
