import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, tempHome } from "./support/cli.js";
import { runCommand, userEnv } from "./support/commands.js";

const SCAFFOLD = ["hello.flow.json", "flow.schema.json", "weft.config.mjs", "README.md"];

const scratch = () => mkdtempSync(join(tmpdir(), "weft-init-test-"));

/** A PATH on which `weft` is this repository's bin, as after `npm install -g @weft/cli`. */
function pathWithWeft(): string {
  const bin = join(scratch(), "bin");
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, "weft"));
  return [bin, dirname(process.execPath), process.env.PATH ?? ""].join(delimiter);
}

const weft = (cwd: string, args: string[]) =>
  runCommand(process.execPath, [BIN, ...args], { cwd, env: userEnv({ WEFT_HOME: tempHome() }) });

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The `sh` code blocks of one `## ` section of a markdown text. */
function shellBlocks(markdown: string, heading: string): string[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (!section) throw new Error(`README has no "## ${heading}" section`);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!.trim());
}

describe("weft init", () => {
  it("scaffolds a project whose README's offline commands run its flow", async () => {
    const folder = scratch();
    const init = await weft(folder, ["init"]);
    expect(init.code, init.stderr).toBe(0);
    for (const file of SCAFFOLD) expect(existsSync(join(folder, file)), file).toBe(true);
    expect(init.stdout).toContain(`Created a Weft project in ${folder}`);

    const flow = JSON.parse(readFileSync(join(folder, "hello.flow.json"), "utf8"));
    expect(existsSync(join(folder, flow.$schema))).toBe(true);
    const schema = await weft(folder, ["schema"]);
    expect(readFileSync(join(folder, flow.$schema), "utf8")).toBe(schema.stdout);

    // The README's commands, as a user pastes them, with the port changed to one that is free here.
    const readme = readFileSync(join(folder, "README.md"), "utf8");
    const [serverBlock, runBlock, ...rest] = shellBlocks(readme, "Run it offline");
    expect(rest).toEqual([]);
    expect(serverBlock).toBe("weft mock-llm --port 4010");
    const port = String(await freePort());
    const withPort = (command: string) => command.replaceAll("4010", port);
    const env = userEnv({ WEFT_HOME: tempHome(), PATH: pathWithWeft() });

    const server = spawn("sh", ["-c", `exec ${withPort(serverBlock!)}`], { cwd: folder, env });
    try {
      await new Promise<void>((resolve, reject) => {
        let stdout = "";
        server.stdout.on("data", (chunk) => {
          stdout += chunk;
          if (stdout.includes(`listening on http://127.0.0.1:${port}`)) resolve();
        });
        server.on("exit", (code) => reject(new Error(`weft mock-llm exited with ${code}`)));
      });
      const lines = runBlock!.split("\n");
      expect(lines).toHaveLength(2);
      const create = await runCommand("sh", ["-c", withPort(lines[0]!)], { cwd: folder, env });
      expect(create.code, create.stderr).toBe(0);
      expect(create.stdout).toMatch(/^saved connection "llm" \(azure-ai\)/);
      const run = await runCommand("sh", ["-c", withPort(lines[1]!)], { cwd: folder, env });
      expect(run.code, run.stderr).toBe(0);
      const outputs = JSON.parse(run.stdout);
      expect(outputs.answer).toContain("What is a flow?");
      expect(outputs.totalTokens).toBeGreaterThan(0);
    } finally {
      server.kill("SIGINT");
    }
  });

  it("creates the folder it is given", async () => {
    const parent = scratch();
    const { code, stderr } = await weft(parent, ["init", join("nested", "project")]);
    expect(code, stderr).toBe(0);
    for (const file of SCAFFOLD) expect(existsSync(join(parent, "nested", "project", file)), file).toBe(true);
  });

  it("refuses to overwrite, names the files that exist, and writes nothing (exit 2)", async () => {
    const folder = scratch();
    writeFileSync(join(folder, "README.md"), "mine\n");
    writeFileSync(join(folder, "weft.config.mjs"), "export default {};\n");
    const { code, stdout, stderr } = await weft(folder, ["init"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `error: ${folder} already has weft.config.mjs, README.md; weft init writes nothing over existing ` +
        "files (move them away, or pick another folder: weft init <dir>)\n",
    );
    expect(readFileSync(join(folder, "README.md"), "utf8")).toBe("mine\n");
    expect(existsSync(join(folder, "hello.flow.json"))).toBe(false);
    expect(existsSync(join(folder, "flow.schema.json"))).toBe(false);
  });
});
