import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowError, type Secret } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { openConnectionStore } from "@weft/store";
import { Command, CommanderError } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { registerConnectionCommands } from "./connection.js";

const CANARY = "test-key-CANARY-0f9e8d7c6b5a49382716";
const FOUNDRY = "https://contoso.services.ai.azure.com/models";

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "weft-cli-connection-"));
  directories.push(directory);
  return directory;
}

interface Outcome {
  stdout: string;
  stderr: string;
  error?: unknown;
}

/** A `weft` with only the connection commands, run once over captured streams. */
async function weft(env: NodeJS.ProcessEnv, args: string[], stdin = ""): Promise<Outcome> {
  const outcome: Outcome = { stdout: "", stderr: "" };
  const io = {
    stdout: (text: string) => {
      outcome.stdout += text;
    },
    stderr: (text: string) => {
      outcome.stderr += text;
    },
    readStdin: async () => stdin,
    env,
  };
  const program = new Command("weft")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerConnectionCommands(program, io);
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    outcome.error = error;
  }
  return outcome;
}

/** Runs a command that must succeed, and returns what it printed. */
async function ok(env: NodeJS.ProcessEnv, args: string[], stdin?: string): Promise<Outcome> {
  const outcome = await weft(env, args, stdin);
  expect(outcome.error).toBeUndefined();
  return outcome;
}

/** Runs a command that must fail with a `FlowError`, and returns it. */
async function fails(env: NodeJS.ProcessEnv, args: string[], stdin?: string): Promise<FlowError> {
  const outcome = await weft(env, args, stdin);
  expect(outcome.error).toBeInstanceOf(FlowError);
  return outcome.error as FlowError;
}

async function setup() {
  const home = join(await tempDirectory(), "home");
  const env: NodeJS.ProcessEnv = { WEFT_HOME: home, FOUNDRY_KEY: CANARY };
  return { home, env, store: openConnectionStore({ connectionKinds: builtinConnectionKinds, env }) };
}

describe("weft connection", () => {
  it("creates, lists, shows, updates and deletes without printing a key", async () => {
    const { env, store } = await setup();
    const printed: string[] = [];
    const run = async (args: string[], stdin?: string) => {
      const outcome = await ok(env, args, stdin);
      printed.push(outcome.stdout, outcome.stderr);
      return outcome.stdout;
    };

    expect(
      await run([
        "connection",
        "create",
        "foundry",
        "--type",
        "azure-ai",
        "--endpoint",
        FOUNDRY,
        "--api-key-env",
        "FOUNDRY_KEY",
      ]),
    ).toBe(`saved connection "foundry" (azure-ai) in ${store.path}\n`);
    await run(
      [
        "connection",
        "create",
        "local",
        "--type",
        "openai",
        "--api-key-stdin",
        "--base-url",
        "http://127.0.0.1:8080/v1",
      ],
      `${CANARY}-openai\n`,
    );
    await run([
      "connection",
      "create",
      "search",
      "--type",
      "custom",
      "--config",
      "index=docs",
      "--config",
      "url=https://x/?a=b",
      "--secret-env",
      "token=FOUNDRY_KEY",
      "--max-concurrency",
      "3",
    ]);

    expect(await run(["connection", "list"])).toBe(
      [
        "NAME     TYPE      ENDPOINT                                      MAX IN FLIGHT",
        "foundry  azure-ai  https://contoso.services.ai.azure.com/models",
        "local    openai    http://127.0.0.1:8080/v1",
        "search   custom                                                  3",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(await run(["connection", "list", "--json"]))).toEqual([
      { name: "foundry", type: "azure-ai", endpoint: FOUNDRY },
      { name: "local", type: "openai", endpoint: "http://127.0.0.1:8080/v1" },
      { name: "search", type: "custom", maxConcurrency: 3 },
    ]);
    expect(await run(["connection", "show", "search"])).toBe(
      [
        "name: search",
        "type: custom",
        "configs:",
        "  index: docs",
        "  url: https://x/?a=b",
        "secrets:",
        "  token: ***",
        "maxConcurrency: 3",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(await run(["connection", "show", "foundry", "--json"]))).toEqual({
      name: "foundry",
      type: "azure-ai",
      endpoint: FOUNDRY,
      apiKey: "***",
    });

    const local = await store.get("local");
    expect(local?.type === "openai" && (local.apiKey as Secret).reveal()).toBe(`${CANARY}-openai`);
    const search = await store.get("search");
    expect(search?.type === "custom" && (search.secrets as Record<string, Secret>).token?.reveal()).toBe(
      CANARY,
    );

    await run(["connection", "update", "foundry", "--api-version", "2024-10-21", "--max-concurrency", "5"]);
    expect(await store.get("foundry")).toMatchObject({ apiVersion: "2024-10-21", maxConcurrency: 5 });
    expect(await run(["connection", "delete", "local"])).toBe('deleted connection "local"\n');
    expect(await store.list()).toEqual(["foundry", "search"]);

    for (const text of printed) expect(text).not.toContain(CANARY);
  });

  it("stores a key given as ${env:NAME} on stdin as a reference", async () => {
    const { env, store } = await setup();
    await ok(
      env,
      ["connection", "create", "tenant", "--type", "openai", "--api-key-stdin"],
      "${env:TENANT_KEY}\n",
    );
    expect((await ok(env, ["connection", "show", "tenant"])).stdout).toContain("apiKey: ${env:TENANT_KEY}\n");
    env.TENANT_KEY = "test-key-tenant";
    const tenant = await store.get("tenant");
    expect(tenant?.type === "openai" && (tenant.apiKey as Secret).reveal()).toBe("test-key-tenant");
  });

  it("refuses keys on the command line and missing or doubled key sources", async () => {
    const { env, store } = await setup();
    const base = ["connection", "create", "c", "--type", "openai"];

    const onCommandLine = await fails(env, [...base, "--api-key", CANARY]);
    expect(onCommandLine.code).toBe("cli.usage");
    expect(onCommandLine.message).toBe(
      "API keys are not accepted on the command line; use --api-key-env VAR or --api-key-stdin",
    );
    expect(
      (await fails(env, [...base, "--api-key-env", "FOUNDRY_KEY", "--api-key-stdin"], "x")).message,
    ).toBe("give either --api-key-env or --api-key-stdin, not both");
    expect((await fails(env, [...base, "--api-key-env", "NOT_SET"])).message).toBe(
      "--api-key-env: environment variable NOT_SET is not set",
    );
    expect((await fails(env, [...base, "--api-key-stdin"], "\n")).message).toBe(
      "--api-key-stdin: standard input was empty",
    );
    const missing = await fails(env, base);
    expect([missing.code, missing.message]).toEqual([
      "connection.invalid",
      'connection "c" apiKey: expected a secret or ${env:NAME}, got nothing',
    ]);
    expect(
      (await fails(env, ["connection", "create", "c", "--type", "custom", "--config", "novalue"])).message,
    ).toBe('--config: expected name=value, got "novalue"');
    expect(await store.list()).toEqual([]);
  });

  it("reports invalid fields, existing names and unknown connections", async () => {
    const { env } = await setup();
    const create = ["connection", "create", "c", "--type", "azure-ai", "--api-key-env", "FOUNDRY_KEY"];
    const endpoint = await fails(env, [...create, "--endpoint", "https://example.com/chat"]);
    expect(endpoint.code).toBe("connection.endpoint");
    expect(endpoint.message).toMatch(/^connection "c" endpoint: unrecognised Azure AI endpoint: expected /);
    const misplaced = await fails(env, [...create, "--endpoint", FOUNDRY, "--base-url", "http://x"]);
    expect(misplaced.message).toBe(
      'connection "c" baseUrl: unknown field for azure-ai connections; expected endpoint, apiKey, apiVersion, maxConcurrency, requestsPerMinute, tokensPerMinute',
    );

    await ok(env, [...create, "--endpoint", FOUNDRY]);
    const exists = await fails(env, [...create, "--endpoint", FOUNDRY]);
    expect(exists.code).toBe("connection.exists");
    await ok(env, [...create, "--endpoint", FOUNDRY, "--force"]);

    expect((await fails(env, ["connection", "show", "d"])).code).toBe("connection.unknown");
    expect((await fails(env, ["connection", "update", "c"])).message).toMatch(/^nothing to change/);
    const noType = await weft(env, ["connection", "create", "x"]);
    expect(noType.error).toBeInstanceOf(CommanderError);
    expect(noType.stderr).toContain("required option '--type <type>' not specified");
  });

  it("never echoes credentials put in an endpoint or base URL, parsed or not", async () => {
    const { env, store } = await setup();
    const printed: string[] = [];
    const collect = (outcome: Outcome | FlowError) =>
      printed.push(outcome instanceof FlowError ? outcome.message : outcome.stdout + outcome.stderr);
    const azure = ["connection", "create", "c", "--type", "azure-ai", "--api-key-env", "FOUNDRY_KEY"];
    const openai = ["connection", "create", "o", "--type", "openai", "--api-key-env", "FOUNDRY_KEY"];
    for (const args of [
      [...azure, "--endpoint", `https://user:${CANARY}@example.com:99999/models`],
      [...azure, "--endpoint", `https://example.com/chat?api-key=${CANARY}`],
      [...openai, "--base-url", `https://user:${CANARY}@example.com:99999/v1`],
      [...openai, "--base-url", `https://example.com:99999/v1?api-key=${CANARY}`],
    ]) {
      const error = await fails(env, args);
      expect(error.message).toMatch(/^connection "[co]" (endpoint|baseUrl): /);
      collect(error);
    }
    // A key in the query of an accepted endpoint would be kept as plain text: refused too.
    const query = await fails(env, [...azure, "--endpoint", `${FOUNDRY}?api-key=${CANARY}`]);
    expect(query.message).toBe(
      'connection "c" endpoint: expected a URL without a key in its query (?api-key=…); keys belong in apiKey',
    );
    collect(query);

    // A store written by hand (or by an older weft) may hold one: list and show mask it.
    await ok(env, [...azure, "--endpoint", FOUNDRY]);
    const file = await readFile(store.path, "utf8");
    await writeFile(store.path, file.replace(`"${FOUNDRY}"`, `"${FOUNDRY}?api-key=${CANARY}"`));
    for (const args of [
      ["connection", "list"],
      ["connection", "list", "--json"],
      ["connection", "show", "c"],
      ["connection", "show", "c", "--json"],
    ]) {
      const shown = await ok(env, args);
      expect(shown.stdout).toContain(`${FOUNDRY}?api-key=***`);
      collect(shown);
    }
    for (const text of printed) expect(text).not.toContain(CANARY.slice(0, 12));
  });

  it("imports promptflow files and prints what it decided", async () => {
    const { env, store } = await setup();
    const directory = await tempDirectory();
    const file = join(directory, "azure.yaml");
    await writeFile(
      file,
      "name: aoai\ntype: azure_open_ai\napi_base: https://aoai-gateway.example.com/\napi_key: ${env:AOAI_KEY}\n",
    );
    const imported = await ok(env, ["connection", "import", file]);
    expect(imported.stdout).toBe(`imported 1 connection from ${file}: aoai (openai)\n`);
    expect(imported.stderr).toMatch(/^note: aoai: api_base is an Azure OpenAI resource, not a deployment/);
    expect(await store.show("aoai")).toEqual({
      name: "aoai",
      type: "openai",
      baseUrl: "https://aoai-gateway.example.com/openai/v1",
      apiKey: "${env:AOAI_KEY}",
    });
    expect((await fails(env, ["connection", "import", file])).code).toBe("connection.exists");
    await ok(env, ["connection", "import", file, "--force"]);

    const bad = join(directory, "bad.yaml");
    await writeFile(bad, "name: o\ntype: open_ai\napi_key: '<user-input>'\n");
    expect((await fails(env, ["connection", "import", bad])).message).toMatch(
      new RegExp(
        `^${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: api_key \\(connection "o"\\): <user-input> asks`,
      ),
    );
    expect((await fails(env, ["connection", "import", join(directory, "none.yaml")])).message).toBe(
      `${join(directory, "none.yaml")}: no such file`,
    );
  });

  it("rotates the key, asking for the new one when the key comes from WEFT_SECRET_KEY", async () => {
    const { home, env, store } = await setup();
    await ok(env, ["connection", "create", "a", "--type", "openai", "--api-key-env", "FOUNDRY_KEY"]);
    const rotated = await ok(env, ["connection", "rotate-key"]);
    expect(rotated.stdout).toMatch(
      new RegExp(
        `^re-encrypted 1 connection under key [\\w-]{8} \\(was [\\w-]{8}\\)\\nthe new key is in ${join(home, "secret.key")}\\n` +
          `the previous key was kept in ${join(home, "secret.key.old")}; delete it once no backup needs it\\n$`,
      ),
    );

    const envKeyed: NodeJS.ProcessEnv = {
      WEFT_HOME: join(await tempDirectory(), "home"),
      WEFT_SECRET_KEY: Buffer.alloc(32, 1).toString("base64"),
      NEXT_KEY: Buffer.alloc(32, 2).toString("base64"),
      FOUNDRY_KEY: CANARY,
    };
    await ok(envKeyed, ["connection", "create", "a", "--type", "openai", "--api-key-env", "FOUNDRY_KEY"]);
    expect((await fails(envKeyed, ["connection", "rotate-key"])).code).toBe("store.key-rotation");
    expect(
      (await fails(envKeyed, ["connection", "rotate-key", "--new-key-env", "FOUNDRY_KEY"])).message,
    ).toBe(
      "FOUNDRY_KEY: expected a 32-byte key encoded as base64 (make one with `openssl rand -base64 32`), got 27 bytes",
    );
    const withEnv = await ok(envKeyed, ["connection", "rotate-key", "--new-key-env", "NEXT_KEY"]);
    expect(withEnv.stdout).toMatch(
      /set WEFT_SECRET_KEY to the value of NEXT_KEY before the next weft command\n$/,
    );
    const after = openConnectionStore({
      connectionKinds: builtinConnectionKinds,
      env: { ...envKeyed, WEFT_SECRET_KEY: envKeyed.NEXT_KEY },
    });
    const a = await after.get("a");
    expect(a?.type === "openai" && (a.apiKey as Secret).reveal()).toBe(CANARY);
    expect(await readFile(store.path, "utf8")).not.toContain(CANARY);
  });
});
