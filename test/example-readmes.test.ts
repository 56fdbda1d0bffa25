import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type LlmServer, startLlmServer } from "@weft/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BIN, ROOT } from "./support/cli.js";

/**
 * Every example README's offline commands, run as written: a clean WEFT_HOME, the store entries
 * the README creates, and the offline server where the README starts `weft mock-llm --port 4010`
 * (here on a free port). An example that calls a service of its own starts its stand-in with
 * `node examples/<name>/server.mjs --port <port>`: the test starts it from that module's
 * `startServer`, on a free port. What a newcomer copies and pastes must work.
 */
const EXAMPLES = join(ROOT, "examples");
const README_PORT = "4010";

let server: LlmServer;
beforeAll(async () => {
  server = await startLlmServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** The `sh` blocks of the README's "Run it offline" section (or "Run it", for flows without a model). */
function offlineCommands(
  readme: string,
  name: string,
): { startsServer: boolean; ownServerPort?: string; script: string } {
  const section = readme
    .split(/^## /m)
    .find((part) => part.startsWith("Run it offline\n") || part.startsWith("Run it\n"));
  if (!section) throw new Error('expected a "## Run it offline" section');
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const startsServer = blocks.some((block) => block.includes(`mock-llm --port ${README_PORT}`));
  const ownServer = new RegExp(`^node examples/${name}/server\\.mjs --port (\\d+)\\n$`);
  const ownServerPort = blocks.map((block) => ownServer.exec(block)?.[1]).find(Boolean);
  return {
    startsServer,
    ...(ownServerPort ? { ownServerPort } : {}),
    script: blocks.filter((block) => !block.includes("mock-llm") && !ownServer.test(block)).join("\n"),
  };
}

function runScript(
  script: string,
  port: number,
  own?: { readmePort: string; port: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let body = script
    .replace(/\bpnpm (--silent )?weft\b/g, "weft")
    .split(`127.0.0.1:${README_PORT}`)
    .join(`127.0.0.1:${port}`);
  if (own) body = body.split(`127.0.0.1:${own.readmePort}`).join(`127.0.0.1:${own.port}`);
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-euo", "pipefail", "-c", `weft() { node "$WEFT_BIN" "$@"; }\n${body}`],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", WEFT_BIN: BIN },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const names = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe.each(names)("examples/%s/README.md", (name) => {
  it("runs offline as written, from a clean WEFT_HOME", async () => {
    const readme = readFileSync(join(EXAMPLES, name, "README.md"), "utf8");
    const { startsServer, ownServerPort, script } = offlineCommands(readme, name);
    expect(script).toContain(`examples/${name}/${name}.flow.json`);
    const usesServer = script.includes(`127.0.0.1:${README_PORT}`);
    expect(startsServer, "a README that uses the offline server says how to start it").toBe(usesServer);
    if (usesServer || ownServerPort) expect(script).toMatch(/^export WEFT_HOME="\$\(mktemp -d\)"$/m);

    const own = ownServerPort
      ? ((await import(join(EXAMPLES, name, "server.mjs"))) as {
          startServer(options: { port: number }): Promise<{
            port: number;
            requests: Array<{ status: number }>;
            close(): Promise<void>;
          }>;
        })
      : undefined;
    const ownServer = await own?.startServer({ port: 0 });
    let result: Awaited<ReturnType<typeof runScript>>;
    try {
      result = await runScript(
        script,
        server.port,
        ownServer && ownServerPort ? { readmePort: ownServerPort, port: ownServer.port } : undefined,
      );
    } finally {
      await ownServer?.close();
    }
    expect(result.code, result.stderr).toBe(0);
    // Every static connection the flow uses was stored: no "not stored" warning, no error.
    expect(result.stderr).not.toMatch(/^(warning|error):/m);
    expect(result.stderr).toMatch(/run succeeded/);
    if (ownServer) {
      expect(ownServer.requests.length).toBeGreaterThan(0);
      expect(ownServer.requests.map((entry) => entry.status).filter((status) => status !== 200)).toEqual([]);
    }
    if (usesServer) {
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.map((entry) => entry.status).filter((status) => status !== 200)).toEqual([]);
    }
  }, 60_000);
});
