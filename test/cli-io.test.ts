import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MAX_FLOW_FILE_BYTES, MAX_INPUTS_FILE_BYTES, MAX_STORE_FILE_BYTES } from "@weft/engine";
import { formatBytes } from "@weft/store";
import { describe, expect, it } from "vitest";
import { BIN, type CliResult, ROOT, runCli, tempHome } from "./support/cli.js";

/**
 * The command line's files and streams: flow, inputs and connection files that are not files,
 * output that cannot be written or whose reader went away, and private trace files. Every case is
 * one line on stderr with a stable exit code, never a stack.
 */

const VARIABLES = "examples/variables/variables.flow.json";
const TYPED = "test/fixtures/cli/typed-inputs.flow.json";

const weft = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env: { WEFT_HOME: tempHome(), ...env } });

const scratch = () => mkdtempSync(join(tmpdir(), "weft-cli-io-"));

/** Asserts a user error: one `error:` line, no stack trace. */
function expectOneLineError(stderr: string, includes: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).toMatch(/^error: /);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).toContain(includes);
}

/** Runs `weft` with its stdout on the given file descriptor (a device, a pipe end). */
function runWithStdout(args: string[], stdout: number): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", WEFT_HOME: tempHome() },
      stdio: ["ignore", stdout, "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => done({ code: code ?? 128, stdout: "", stderr }));
  });
}

/**
 * Runs `weft` and closes its stdout after the first chunk, as `weft … | head -c 10` does, while
 * the command still has much more to write.
 */
function runClosingStdout(args: string[]): Promise<CliResult & { first: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", WEFT_HOME: tempHome() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let first = "";
    let stderr = "";
    child.stdout.once("data", (chunk) => {
      first = String(chunk).slice(0, 10);
      child.stdout.destroy();
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => done({ code: code ?? 128, stdout: "", stderr, first }));
  });
}

describe("output that cannot be written", () => {
  /**
   * The same small valid flow under a long name, a thousand times: far more output than a pipe
   * holds, so the reader is gone while weft is still writing.
   */
  function manyFiles(): string[] {
    const flow = join(scratch(), `${"long-name-".repeat(20)}.flow.json`);
    writeFileSync(flow, '{"nodes":[{"id":"a","type":"declare-variable","inputs":{"name":"v","value":1}}]}');
    return Array.from({ length: 1000 }, () => flow);
  }

  it("stops quietly when the reader of stdout goes away (EPIPE), with the command's own exit code", async () => {
    const files = manyFiles();
    const json = await runClosingStdout(["validate", "--json", ...files]);
    expect(json.first).toBe("[\n  {\n    ");
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);

    const lines = await runClosingStdout(["validate", ...files, "no/such.flow.json"]);
    expect(lines.first).toBe(`✓ ${files[0]}`.slice(0, 10));
    expect(lines.stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(lines.stderr).toContain("no/such.flow.json: no such file");
    expect(lines.code).toBe(2);
  });

  it.each([["run", VARIABLES, "--json"], ["validate", VARIABLES], ["schema"]])(
    "says so in one line and exits 1 when stdout is full (ENOSPC): weft %s",
    async (...args) => {
      const full = openSync("/dev/full", "w");
      try {
        const { code, stderr } = await runWithStdout(args, full);
        expect(code).toBe(1);
        expectOneLineError(stderr, "cannot write standard output: no space left on device (ENOSPC)");
      } finally {
        closeSync(full);
      }
    },
  );

  it("keeps the run's progress and exits 1 when only stdout is full", async () => {
    const full = openSync("/dev/full", "w");
    try {
      const { code, stderr } = await runWithStdout(["run", VARIABLES], full);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^✓ run succeeded/m);
      expect(stderr).toMatch(/^error: cannot write standard output: no space left on device \(ENOSPC\)$/m);
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      closeSync(full);
    }
  });

  it("says so in one line and exits 1 when the trace cannot be written", async () => {
    const { code, stdout, stderr } = await weft(["run", VARIABLES, "--json", "--trace", "/dev/full"]);
    expect(code).toBe(1);
    // Under --json the error is JSON on stdout too.
    expect(JSON.parse(stdout).error.message).toContain("--trace /dev/full: writing failed (ENOSPC)");
    expectOneLineError(stderr, "--trace /dev/full: writing failed (ENOSPC)");
  });
});

describe("--trace onto an existing file", () => {
  it("makes it private (0600) before writing run data into it", async () => {
    const trace = join(scratch(), "trace.jsonl");
    writeFileSync(trace, "old content that is longer than nothing\n".repeat(1000), { mode: 0o644 });
    chmodSync(trace, 0o644);
    const { code, stderr } = await weft(["run", VARIABLES, "--trace", trace]);
    expect(code, stderr).toBe(0);
    expect(statSync(trace).mode & 0o777).toBe(0o600);
    const lines = readFileSync(trace, "utf8").trimEnd().split("\n");
    expect(lines.every((line) => JSON.parse(line).event !== undefined)).toBe(true);
  });

  it("writes to a device as it is, without changing its mode", async () => {
    const before = statSync("/dev/null").mode;
    const { code, stderr } = await weft(["run", VARIABLES, "--trace", "/dev/null"]);
    expect(code, stderr).toBe(0);
    expect(statSync("/dev/null").mode).toBe(before);
  });
});

/** Makes a path into something that is not a readable file of the expected size. */
const notFiles: Array<{
  name: string;
  make: (path: string, limit: number) => void;
  says: string | ((limit: number) => string);
}> = [
  { name: "a directory", make: (path) => mkdirSync(path), says: "it is a directory, expected " },
  {
    name: "a named pipe",
    make: (path) => execFileSync("mkfifo", [path]),
    says: "it is a named pipe (FIFO), expected ",
  },
  {
    name: "a symlink loop",
    make: (path) => {
      symlinkSync(`${path}.other`, path);
      symlinkSync(path, `${path}.other`);
    },
    says: "too many levels of symbolic links (a symlink loop?), expected ",
  },
  {
    name: "over the size limit",
    make: (path, limit) => {
      writeFileSync(path, "{}");
      truncateSync(path, limit + 1);
    },
    says: (limit) => `it is ${formatBytes(limit + 1)}, larger than the ${formatBytes(limit)} allowed for `,
  },
];

describe("files weft reads that are not readable files", () => {
  it.each(notFiles)("a flow file that is $name: one line, exit 2", async ({ make, says: saying }) => {
    const flow = join(scratch(), "flow.json");
    make(flow, MAX_FLOW_FILE_BYTES);
    const says = typeof saying === "string" ? saying : saying(MAX_FLOW_FILE_BYTES);
    for (const command of ["run", "graph"]) {
      const { code, stdout, stderr } = await weft([command, flow]);
      expect(code, command).toBe(2);
      expect(stdout).toBe("");
      expectOneLineError(stderr, `${flow}: ${says}`);
    }
    const validate = await weft(["validate", flow]);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(says);
    expect(validate.stderr).not.toMatch(/^\s+at |undefined|internal error/m);
  });

  it("names the limit and the size of a flow file over it, before reading it", async () => {
    const flow = join(scratch(), "huge.flow.json");
    writeFileSync(flow, "{}");
    truncateSync(flow, 1024 * 1024 * 1024);
    const { code, stderr } = await weft(["run", flow]);
    expect(code).toBe(2);
    expectOneLineError(stderr, `${flow}: it is 1 GiB, larger than the 10 MiB allowed for a .flow.json file`);
  });

  it("shows the absolute path of a flow file that does not exist", async () => {
    const { code, stderr } = await weft(["run", "no/such.flow.json"]);
    expect(code).toBe(2);
    expectOneLineError(stderr, `no/such.flow.json: no such file (${resolve(ROOT, "no/such.flow.json")})`);
  });

  it.each(notFiles)("an --inputs-file that is $name: one line, exit 2", async ({ make, says: saying }) => {
    const inputs = join(scratch(), "inputs.json");
    make(inputs, MAX_INPUTS_FILE_BYTES);
    const says = typeof saying === "string" ? saying : saying(MAX_INPUTS_FILE_BYTES);
    const { code, stderr } = await weft(["run", TYPED, "--inputs-file", inputs]);
    expect(code).toBe(2);
    expectOneLineError(stderr, `--inputs-file ${inputs}: ${says}`);
  });

  it.each(notFiles)("a file to import that is $name: one line, exit 2", async ({ make, says: saying }) => {
    const file = join(scratch(), "connections.yaml");
    make(file, MAX_STORE_FILE_BYTES);
    const says = typeof saying === "string" ? saying : saying(MAX_STORE_FILE_BYTES);
    const { code, stderr } = await weft(["connection", "import", file]);
    expect(code).toBe(2);
    expectOneLineError(stderr, `${file}: ${says}`);
  });

  it.each(notFiles)("a store file that is $name: one line, exit 2", async ({ make, says: saying }) => {
    const home = scratch();
    make(join(home, "connections.json"), MAX_STORE_FILE_BYTES);
    const says = typeof saying === "string" ? saying : saying(MAX_STORE_FILE_BYTES);
    for (const args of [
      ["connection", "list"],
      ["connection", "show", "a"],
      ["connection", "delete", "a"],
    ]) {
      const { code, stderr } = await weft(args, { WEFT_HOME: home });
      expect(code, args.join(" ")).toBe(2);
      expectOneLineError(stderr, `${join(home, "connections.json")}: ${says}`);
    }
  });

  it("says permission denied for a flow file and a store file it may not read", async () => {
    const directory = scratch();
    chmodSync(directory, 0o755);
    const flow = join(directory, "private.flow.json");
    writeFileSync(flow, readFileSync(join(ROOT, VARIABLES)));
    chmodSync(flow, 0o000);
    const home = join(directory, "home");
    mkdirSync(home, { mode: 0o700 });
    const store = join(home, "connections.json");
    writeFileSync(store, '{"version":1,"connections":{}}\n');
    chmodSync(store, 0o000);

    const flowRun = await runUnprivileged(["run", flow], home);
    expect(flowRun.code).toBe(2);
    expectOneLineError(flowRun.stderr, `${flow}: permission denied`);
    const list = await runUnprivileged(["connection", "list"], home);
    expect(list.code).toBe(2);
    expectOneLineError(list.stderr, `${store}: permission denied`);
  });
});

/** Runs `weft` as a user that file modes apply to: root reads any file, so then as `nobody`. */
function runUnprivileged(args: string[], home: string): Promise<CliResult> {
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", WEFT_HOME: home },
      ...asUser,
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => done({ code: code ?? 128, stdout: "", stderr }));
  });
}
