import { execFile, spawn } from "node:child_process";
import { access, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Secret } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openConnectionStore } from "./connection-store.js";

/**
 * Several `weft` processes writing one store at once, and a process killed while writing. The
 * children run the built store, so it is built first.
 */

const storeRoot = join(import.meta.dirname, "..");
const nodesRoot = join(import.meta.dirname, "../../nodes");
const worker = join(import.meta.dirname, "../test-support/store-worker.mjs");

beforeAll(async () => {
  // Builds what the workers import; other packages' type errors do not stop the emit.
  await promisify(execFile)("npx", ["tsc", "-b", storeRoot, nodesRoot], { cwd: storeRoot }).catch(
    () => undefined,
  );
  await access(join(storeRoot, "dist/index.js"));
  await access(join(nodesRoot, "dist/index.js"));
}, 120_000);

const homes: string[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});

async function tempHome(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), "weft-processes-"));
  homes.push(parent);
  return join(parent, "home");
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("connection store across processes", () => {
  it("loses nothing when several processes write at once", async () => {
    const home = await tempHome();
    const workers = 6;
    const each = 10;
    const startAt = String(Date.now() + 800);
    const results = await Promise.all(
      Array.from({ length: workers }, (_, index) =>
        run(["create", home, `w${index}`, String(each), startAt]),
      ),
    );
    for (const result of results) expect(result).toMatchObject({ code: 0, stdout: "done\n", stderr: "" });

    const store = openConnectionStore({ connectionKinds: builtinConnectionKinds, home, env: {} });
    const names = await store.list();
    expect(names).toHaveLength(workers * each);
    for (const name of names) {
      const connection = await store.get(name);
      expect(connection?.type === "openai" && (connection.apiKey as Secret).reveal()).toBe(
        `test-key-${name}`,
      );
    }
    expect((await readdir(home)).sort()).toEqual(["connections.json", "secret.key"]);
  }, 60_000);

  it("keeps the previous content whole when a writer is killed mid-write", async () => {
    const home = await tempHome();
    const store = openConnectionStore({ connectionKinds: builtinConnectionKinds, home, env: {} });
    const count = 300;
    await store.createMany(
      Array.from({ length: count }, (_, index) => ({
        name: `big-${index}`,
        connection: {
          type: "azure-ai" as const,
          endpoint: "https://contoso.services.ai.azure.com/models",
          apiKey: `test-key-${index}`,
        },
      })),
    );

    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, [worker, "churn", home, String(count)], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise((resolve) => child.on("exit", resolve));
      let writes = 0;
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          writes += chunk.toString().split("\n").length - 1;
          if (writes >= 3) resolve();
        });
      });
      // Kill at a different point of the write cycle each round.
      await new Promise((resolve) => setTimeout(resolve, round * 7));
      child.kill("SIGKILL");
      await exited;

      const text = await readFile(store.path, "utf8");
      expect(() => JSON.parse(text)).not.toThrow();
      expect(await store.list()).toHaveLength(count);
      for (const index of [0, 1, 2, 3, 150, count - 1]) {
        const connection = await store.get(`big-${index}`);
        expect(connection?.type === "azure-ai" && (connection.apiKey as Secret).reveal()).toMatch(
          new RegExp(`^test-key-(${index}|big-${index}-\\d+)$`),
        );
      }
      // The next write takes over any lock the dead writer held and clears its temporary file.
      await store.create(`after-${round}`, { type: "openai", apiKey: "test-key-after" });
      expect((await readdir(home)).sort()).toEqual(["connections.json", "secret.key"]);
      await store.delete(`after-${round}`);
    }
  }, 60_000);
});
