import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowError, InMemoryConnectionProvider } from "@weft/engine";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../io.js";
import { runCommand } from "./run.js";

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

/** Writes a flow whose chat nodes name the given static connections, with a dynamic one for `behind`. */
async function flowFile(names: string[], behind: string[] = []): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "weft-run-connections-"));
  directories.push(directory);
  const chat = (id: string, connection: string, dynamic: boolean) => ({
    id,
    type: "chat-completion",
    connection,
    ...(dynamic ? { dynamicConnection: "${vars.conn}" } : {}),
    inputs: { model: "m", prompt: "p" },
  });
  const flow = {
    nodes: [
      { id: "conn", type: "declare-variable", inputs: { name: "conn", value: null } },
      ...names.map((name, i) => chat(`n${i}`, name, false)),
      ...behind.map((name, i) => chat(`b${i}`, name, true)),
    ],
  };
  const file = join(directory, "test.flow.json");
  await writeFile(file, JSON.stringify(flow));
  return file;
}

function captureIo(): CliIo & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    stdout: () => {},
    stderr: (text) => void err.push(text),
    readStdin: async () => "",
    env: {},
    isTty: false,
  };
}

const known = new InMemoryConnectionProvider({ shared: { type: "openai", apiKey: "k" } });

describe("weft run: static connections checked before the run", () => {
  it("names the first unknown connection a node relies on, and counts the others", async () => {
    const io = captureIo();
    const run = runCommand(
      await flowFile(["sharde", "x", "y"]),
      { input: [], inputEnv: [], connections: known },
      io,
    );
    const error = await run.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FlowError);
    expect((error as FlowError).code).toBe("connection.unknown");
    expect((error as FlowError).message).toBe(
      'unknown connection "sharde" (named by node "n0"): expected one of shared (and 2 more unknown connections) (add one with: weft connection create <name> ...)',
    );
  });

  it("warns about at most a few unknown fallbacks, then counts the rest", async () => {
    const io = captureIo();
    const names = Array.from({ length: 5 }, (_, i) => `fallback-${i}`);
    const error = await runCommand(
      await flowFile(["nope"], names),
      { input: [], inputEnv: [], connections: known },
      io,
    ).catch((thrown: unknown) => thrown);
    expect((error as FlowError).code).toBe("connection.unknown");
    expect(io.err.join("").split("\n").filter(Boolean)).toEqual([
      'warning: unknown connection "fallback-0" (the fallback of node "b0": the run fails only if the dynamicConnection resolves to nothing): expected one of shared',
      'warning: unknown connection "fallback-1" (the fallback of node "b1": the run fails only if the dynamicConnection resolves to nothing): expected one of shared',
      'warning: unknown connection "fallback-2" (the fallback of node "b2": the run fails only if the dynamicConnection resolves to nothing): expected one of shared',
      "warning: 2 more unknown fallback connections",
    ]);
  });
});

describe("weft run: inputs the static connection cannot serve", () => {
  it("refuses a chat node without a model on an Azure OpenAI resource URL before anything runs", async () => {
    const directory = await mkdtemp(join(tmpdir(), "weft-run-connections-"));
    directories.push(directory);
    const file = join(directory, "test.flow.json");
    await writeFile(
      file,
      JSON.stringify({
        nodes: [{ id: "ask", type: "chat-completion", connection: "aoai", inputs: { prompt: "p" } }],
      }),
    );
    const connections = new InMemoryConnectionProvider({
      aoai: { type: "azure-ai", endpoint: "https://contoso.openai.azure.com/", apiKey: "k" },
    });
    const error = await runCommand(file, { input: [], inputEnv: [], connections }, captureIo()).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(FlowError);
    expect((error as FlowError).code).toBe("node.input");
    expect((error as FlowError).message).toBe(
      'node "ask" with connection "aoai": "model" is required with an Azure OpenAI resource URL (contoso.openai.azure.com): it names the deployment',
    );
  });
});
