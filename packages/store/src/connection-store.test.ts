import { spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { FlowError, Secret } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { afterEach, describe, expect, it } from "vitest";
import { openConnectionStore } from "./connection-store.js";
import type { ConnectionStoreOptions } from "./connection-store-types.js";

const homes: string[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});

/** A fresh, not yet existing `$WEFT_HOME`. */
async function tempHome(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), "weft-store-"));
  homes.push(parent);
  return join(parent, "home");
}

function randomKeyText(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
}

async function newStore(options: Partial<Omit<ConnectionStoreOptions, "home">> = {}) {
  const home = await tempHome();
  return openConnectionStore({ connectionKinds: builtinConnectionKinds, home, env: {}, ...options });
}

/** Awaits `promise` and returns the `FlowError` it rejected with. */
async function flowError(promise: Promise<unknown>): Promise<FlowError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FlowError);
  return error as FlowError;
}

const FOUNDRY = "https://contoso.services.ai.azure.com/models";
const DEPLOYMENT = "https://contoso.openai.azure.com/openai/deployments/gpt-4o-mini";
const CANARY = "test-key-CANARY-8f1d2c3b4a5e6f708192a3b4c5d6e7f8";

describe("ConnectionStore", () => {
  it("round-trips every kind of connection, with secrets as Secret values", async () => {
    const store = await newStore();
    await store.create("foundry", {
      type: "azure-ai",
      endpoint: FOUNDRY,
      apiKey: "test-key-foundry",
      maxConcurrency: 4,
    });
    await store.create("deployment", {
      type: "azure-ai",
      endpoint: DEPLOYMENT,
      apiKey: new Secret("test-key-deployment"),
      apiVersion: "2024-10-21",
    });
    await store.create("local", {
      type: "openai",
      apiKey: "test-key-openai",
      baseUrl: "http://127.0.0.1:8080/v1",
      organization: "org-1",
    });
    await store.create("search", {
      type: "custom",
      configs: { index: "docs" },
      secrets: { token: "test-key-custom" },
    });

    expect(await store.list()).toEqual(["deployment", "foundry", "local", "search"]);
    const foundry = await store.get("foundry");
    expect(foundry).toMatchObject({
      type: "azure-ai",
      name: "foundry",
      endpoint: FOUNDRY,
      maxConcurrency: 4,
    });
    expect(foundry?.type === "azure-ai" && (foundry.apiKey as Secret).reveal()).toBe("test-key-foundry");
    const deployment = await store.get("deployment");
    expect(
      deployment?.type === "azure-ai" && [(deployment.apiKey as Secret).reveal(), deployment.apiVersion],
    ).toEqual(["test-key-deployment", "2024-10-21"]);
    const local = await store.get("local");
    expect(local).toMatchObject({
      type: "openai",
      baseUrl: "http://127.0.0.1:8080/v1",
      organization: "org-1",
    });
    expect(local?.type === "openai" && (local.apiKey as Secret).reveal()).toBe("test-key-openai");
    const search = await store.get("search");
    expect(
      search?.type === "custom" && [
        search.configs,
        (search.secrets as Record<string, Secret>).token?.reveal(),
      ],
    ).toEqual([{ index: "docs" }, "test-key-custom"]);
    expect(await store.get("nothing")).toBeUndefined();
  });

  it("lists and shows without secrets or the key", async () => {
    const store = await newStore();
    await store.create("foundry", { type: "azure-ai", endpoint: FOUNDRY, apiKey: CANARY, maxConcurrency: 2 });
    await store.create("search", {
      type: "custom",
      configs: { index: "docs" },
      secrets: { token: CANARY, ref: "${env:SEARCH_TOKEN}" },
    });
    await rm(store.keyPath);

    expect(await store.listSummaries()).toEqual([
      { name: "foundry", type: "azure-ai", endpoint: FOUNDRY, maxConcurrency: 2 },
      { name: "search", type: "custom" },
    ]);
    expect(await store.show("foundry")).toEqual({
      name: "foundry",
      type: "azure-ai",
      endpoint: FOUNDRY,
      apiKey: "***",
      maxConcurrency: 2,
    });
    expect(await store.show("search")).toEqual({
      name: "search",
      type: "custom",
      configs: { index: "docs" },
      secrets: { token: "***", ref: "${env:SEARCH_TOKEN}" },
    });
    const unknown = await flowError(store.show("foundy"));
    expect(unknown.code).toBe("connection.unknown");
    expect(unknown.message).toBe(
      `unknown connection "foundy" (in ${store.path}): expected one of foundry, search`,
    );
  });

  it("creates the directory 0700 and the store and key files 0600", async () => {
    const store = await newStore();
    await store.create("foundry", { type: "azure-ai", endpoint: FOUNDRY, apiKey: "test-key-1" });
    expect((await stat(store.home)).mode & 0o777).toBe(0o700);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(store.keyPath)).mode & 0o777).toBe(0o600);
    await store.update("foundry", { apiKey: "test-key-2" });
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it("never writes a secret's bytes to the store file", async () => {
    const store = await newStore();
    await store.create("foundry", { type: "azure-ai", endpoint: FOUNDRY, apiKey: CANARY });
    await store.create("search", { type: "custom", configs: {}, secrets: { token: CANARY } });
    await store.update("foundry", { apiVersion: "2024-10-21" });
    const raw = await readFile(store.path);
    const text = raw.toString("latin1");
    for (const form of [
      CANARY,
      Buffer.from(CANARY).toString("base64"),
      Buffer.from(CANARY).toString("base64url"),
      Buffer.from(CANARY).toString("hex"),
      "CANARY",
    ]) {
      expect(text).not.toContain(form);
    }
    expect(JSON.parse(text).connections.foundry.apiKey).toMatch(/^weft:v1:[\w-]{8}:[\w-]{16}:[\w-]+$/);
  });

  it("refuses a wrong key, naming the connection, and changes nothing", async () => {
    const env: NodeJS.ProcessEnv = { WEFT_SECRET_KEY: randomKeyText() };
    const store = await newStore({ env });
    await store.create("foundry", { type: "azure-ai", endpoint: FOUNDRY, apiKey: CANARY });
    const before = await readFile(store.path);

    env.WEFT_SECRET_KEY = randomKeyText();
    const read = await flowError(store.get("foundry"));
    expect(read.code).toBe("store.wrong-key");
    // The file's keyId is checked before any record is decrypted.
    expect(read.message).toMatch(
      /^cannot open connection "foundry": \S+connections\.json was saved with key [\w-]{8}, but the key from WEFT_SECRET_KEY is [\w-]{8}/,
    );
    expect(read.message).not.toContain(CANARY);
    const write = await flowError(store.create("other", { type: "openai", apiKey: "test-key-x" }));
    expect(write.code).toBe("store.wrong-key");
    expect((await flowError(store.update("foundry", { apiVersion: "1" }))).code).toBe("store.wrong-key");
    expect(await readFile(store.path)).toEqual(before);
  });

  it("detects a flipped character in a ciphertext, names the connection, and changes nothing", async () => {
    const store = await newStore();
    await store.create("foundry", { type: "azure-ai", endpoint: FOUNDRY, apiKey: CANARY });
    await store.create("search", { type: "custom", configs: {}, secrets: { token: "test-key-custom" } });
    const document = JSON.parse(await readFile(store.path, "utf8"));
    const sealed: string = document.connections.foundry.apiKey;
    const at = sealed.length - 10;
    document.connections.foundry.apiKey =
      sealed.slice(0, at) + (sealed[at] === "A" ? "B" : "A") + sealed.slice(at + 1);
    await writeFile(store.path, JSON.stringify(document));
    const tampered = await readFile(store.path);

    const error = await flowError(store.get("foundry"));
    expect(error.code).toBe("store.tampered");
    expect(error.message).toContain('connection "foundry"');
    expect(error.message).toContain(store.path);
    expect((await flowError(store.update("foundry", { apiVersion: "1" }))).code).toBe("store.tampered");
    expect(await readFile(store.path)).toEqual(tampered);
    // Other connections still open.
    const search = await store.get("search");
    expect(search?.type === "custom" && (search.secrets as Record<string, Secret>).token?.reveal()).toBe(
      "test-key-custom",
    );
  });

  it("detects a changed plain field and a secret moved between connections", async () => {
    const store = await newStore();
    await store.create("a", { type: "azure-ai", endpoint: FOUNDRY, apiKey: "test-key-a" });
    await store.create("b", { type: "azure-ai", endpoint: DEPLOYMENT, apiKey: "test-key-b" });
    const original = await readFile(store.path, "utf8");

    const redirected = JSON.parse(original);
    redirected.connections.a.endpoint = "https://attacker.services.ai.azure.com/models";
    await writeFile(store.path, JSON.stringify(redirected));
    expect((await flowError(store.get("a"))).code).toBe("store.tampered");

    const swapped = JSON.parse(original);
    swapped.connections.a.apiKey = JSON.parse(original).connections.b.apiKey;
    await writeFile(store.path, JSON.stringify(swapped));
    expect((await flowError(store.get("a"))).code).toBe("store.tampered");
  });

  it("reports a file that is not a store", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    await writeFile(store.path, '{"version": 1, "connections": ');
    const error = await flowError(store.list());
    expect(error.code).toBe("store.corrupt");
    expect(error.message).toContain(store.path);
  });

  it("refuses conflicting key sources", async () => {
    const env: NodeJS.ProcessEnv = {};
    const store = await newStore({ env });
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const before = await readFile(store.path);

    env.WEFT_SECRET_KEY = randomKeyText();
    const error = await flowError(store.get("a"));
    expect(error.code).toBe("store.key-conflict");
    expect(error.message).toContain(`WEFT_SECRET_KEY (key `);
    expect(error.message).toContain(store.keyPath);
    expect((await flowError(store.create("b", { type: "openai", apiKey: "test-key-b" }))).code).toBe(
      "store.key-conflict",
    );
    expect(await readFile(store.path)).toEqual(before);

    // The same key in both places is fine.
    env.WEFT_SECRET_KEY = await readFile(store.keyPath, "utf8");
    expect((await store.get("a"))?.name).toBe("a");
  });

  it("refuses a key file other users can read", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const before = await readFile(store.path);
    await chmod(store.keyPath, 0o640);
    const error = await flowError(store.get("a"));
    expect(error.code).toBe("store.key-permissions");
    expect(error.message).toContain("mode 0640");
    expect(error.message).toContain(`chmod 600 ${store.keyPath}`);
    expect((await flowError(store.create("b", { type: "openai", apiKey: "test-key-b" }))).code).toBe(
      "store.key-permissions",
    );
    expect(await readFile(store.path)).toEqual(before);
  });

  it("never makes a new key over existing data", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const before = await readFile(store.path);
    await rm(store.keyPath);

    const read = await flowError(store.get("a"));
    expect(read.code).toBe("store.key-missing");
    expect(read.message).toContain('connection "a"');
    const write = await flowError(store.create("b", { type: "openai", apiKey: "test-key-b" }));
    expect(write.code).toBe("store.key-missing");
    await expect(stat(store.keyPath)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readFile(store.path)).toEqual(before);
    // Deleting needs no key; once empty, a new key may be made.
    await store.delete("a");
    await store.create("b", { type: "openai", apiKey: "test-key-b" });
    expect((await stat(store.keyPath)).isFile()).toBe(true);
  });

  it("rejects malformed keys without echoing them", async () => {
    const store = await newStore({ env: { WEFT_SECRET_KEY: "c2hvcnQta2V5LXZhbHVl" } });
    const error = await flowError(store.create("a", { type: "openai", apiKey: "test-key-a" }));
    expect(error.code).toBe("store.key-invalid");
    expect(error.message).toBe(
      "WEFT_SECRET_KEY: expected a 32-byte key encoded as base64 (make one with `openssl rand -base64 32`), got 15 bytes",
    );

    const fileStore = await newStore();
    await fileStore.create("a", { type: "openai", apiKey: "test-key-a" });
    await writeFile(fileStore.keyPath, "not a key!\n", { mode: 0o600 });
    const fileError = await flowError(fileStore.get("a"));
    expect(fileError.code).toBe("store.key-invalid");
    expect(fileError.message).toContain(fileStore.keyPath);
  });

  it("rotates a key file: everything re-encrypted, the old key kept aside", async () => {
    const store = await newStore();
    await store.create("a", { type: "azure-ai", endpoint: FOUNDRY, apiKey: "test-key-a" });
    await store.create("b", {
      type: "custom",
      configs: { x: "1" },
      secrets: { token: "test-key-b", ref: "${env:B}" },
    });
    const oldKey = await readFile(store.keyPath, "utf8");
    const before = JSON.parse(await readFile(store.path, "utf8"));

    const result = await store.rotateKey();
    expect(result).toMatchObject({
      previousKeyId: before.keyId,
      connections: 2,
      keyFile: store.keyPath,
      previousKeyFile: `${store.keyPath}.old`,
      updateEnv: false,
    });
    const after = JSON.parse(await readFile(store.path, "utf8"));
    expect(after.keyId).toBe(result.keyId);
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.connections.a.apiKey).not.toBe(before.connections.a.apiKey);
    expect(after.connections.a.apiKey.split(":")[2]).toBe(result.keyId);
    expect(after.connections.b.secrets.ref).toBe("${env:B}");
    expect(await readFile(`${store.keyPath}.old`, "utf8")).toBe(oldKey);
    expect(await readFile(store.keyPath, "utf8")).not.toBe(oldKey);
    expect((await stat(store.keyPath)).mode & 0o777).toBe(0o600);

    const a = await store.get("a");
    expect(a?.type === "azure-ai" && (a.apiKey as Secret).reveal()).toBe("test-key-a");
    const b = await openConnectionStore({
      connectionKinds: builtinConnectionKinds,
      home: store.home,
      env: { B: "test-key-from-env" },
    }).get("b");
    expect(
      b?.type === "custom" && [
        (b.secrets as Record<string, Secret>).token?.reveal(),
        (b.secrets as Record<string, Secret>).ref?.reveal(),
      ],
    ).toEqual(["test-key-b", "test-key-from-env"]);
    // The old key no longer opens the store.
    await rm(store.keyPath);
    const withOld = openConnectionStore({
      connectionKinds: builtinConnectionKinds,
      home: store.home,
      env: { WEFT_SECRET_KEY: oldKey },
    });
    expect((await flowError(withOld.get("a"))).code).toBe("store.wrong-key");
  });

  it("rotates a key from WEFT_SECRET_KEY only when given the new one", async () => {
    const env: NodeJS.ProcessEnv = { WEFT_SECRET_KEY: randomKeyText() };
    const store = await newStore({ env });
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const before = await readFile(store.path);

    const refused = await flowError(store.rotateKey());
    expect(refused.code).toBe("store.key-rotation");
    expect(refused.message).toContain("--new-key-env");
    expect(await readFile(store.path)).toEqual(before);

    const next = randomKeyText();
    const result = await store.rotateKey({ newKey: Buffer.from(next, "base64") });
    expect(result).toMatchObject({ connections: 1, updateEnv: true });
    expect(result.keyFile).toBeUndefined();
    await expect(stat(store.keyPath)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await flowError(store.get("a"))).code).toBe("store.wrong-key");
    env.WEFT_SECRET_KEY = next;
    const a = await store.get("a");
    expect(a?.type === "openai" && (a.apiKey as Secret).reveal()).toBe("test-key-a");
  });

  it("recovers from a rotation interrupted after the store was rewritten", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    await store.rotateKey();
    const newKey = await readFile(store.keyPath, "utf8");
    // Undo the last step (moving secret.key.new into place), as a crash before it would leave it.
    await rename(store.keyPath, `${store.keyPath}.new`);
    await rename(`${store.keyPath}.old`, store.keyPath);

    const a = await store.get("a");
    expect(a?.type === "openai" && (a.apiKey as Secret).reveal()).toBe("test-key-a");
    await store.create("b", { type: "openai", apiKey: "test-key-b" });
    expect(await readFile(store.keyPath, "utf8")).toBe(newKey);
    await expect(stat(`${store.keyPath}.new`)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await store.get("b"))?.name).toBe("b");
  });

  it("ignores a rotation interrupted before the store was rewritten", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const key = await readFile(store.keyPath, "utf8");
    await writeFile(`${store.keyPath}.new`, `${randomKeyText()}\n`, { mode: 0o600 });

    expect((await store.get("a"))?.name).toBe("a");
    await store.create("b", { type: "openai", apiKey: "test-key-b" });
    expect(await readFile(store.keyPath, "utf8")).toBe(key);
    await expect(stat(`${store.keyPath}.new`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("resolves ${env:…} references when a connection is fetched", async () => {
    const env: NodeJS.ProcessEnv = {};
    const store = await newStore({ env });
    await store.create("tenant", {
      type: "azure-ai",
      endpoint: "${env:TENANT_ENDPOINT}",
      apiKey: "${env:TENANT_KEY}",
      apiVersion: "${env:TENANT_VERSION}-preview",
    });
    expect(await readFile(store.path, "utf8")).toContain('"apiKey": "${env:TENANT_KEY}"');
    expect(await store.show("tenant")).toMatchObject({
      endpoint: "${env:TENANT_ENDPOINT}",
      apiKey: "${env:TENANT_KEY}",
    });

    const missing = await flowError(store.get("tenant"));
    expect(missing.code).toBe("connection.env-missing");
    expect(missing.message).toBe(
      'connection "tenant" field endpoint: environment variable TENANT_ENDPOINT is not set',
    );

    env.TENANT_ENDPOINT = FOUNDRY;
    env.TENANT_VERSION = "2025-01-01";
    const noKey = await flowError(store.get("tenant"));
    expect(noKey.message).toBe(
      'connection "tenant" field apiKey: environment variable TENANT_KEY is not set',
    );

    env.TENANT_KEY = "test-key-from-env";
    const tenant = await store.get("tenant");
    expect(tenant).toMatchObject({ endpoint: FOUNDRY, apiVersion: "2025-01-01-preview" });
    expect(tenant?.type === "azure-ai" && (tenant.apiKey as Secret).reveal()).toBe("test-key-from-env");

    // Read again at every get: a changed variable is picked up, and checked.
    env.TENANT_ENDPOINT = "https://example.com/chat";
    const badEndpoint = await flowError(store.get("tenant"));
    expect(badEndpoint.code).toBe("connection.endpoint");
    expect(badEndpoint.message).toMatch(/^connection "tenant" endpoint: unrecognised Azure AI endpoint/);

    // A variable holding credentials in a URL, malformed or with a key in its query: never echoed.
    for (const endpoint of [
      "https://user:test-key-env-pw@example.com:99999/models",
      "https://example.com/chat?api-key=test-key-env-pw",
    ]) {
      env.TENANT_ENDPOINT = endpoint;
      const error = await flowError(store.get("tenant"));
      expect(error.message).toMatch(/^connection "tenant" endpoint: /);
      expect(error.message).not.toContain("test-key-env");
    }
  });

  it("rejects invalid connections with the field and what was expected", async () => {
    const store = await newStore();
    const cases: [unknown, string, string][] = [
      [
        { type: "azure-ai", endpoint: "https://example.com/x", apiKey: "k" },
        "connection.endpoint",
        'connection "c" endpoint: unrecognised',
      ],
      [
        { type: "azure-ai", endpoint: FOUNDRY },
        "connection.invalid",
        'connection "c" apiKey: expected a secret or ${env:NAME}, got nothing',
      ],
      [
        { type: "openai", apiKey: "" },
        "connection.invalid",
        'connection "c" apiKey: expected a non-empty string (a secret), got an empty one',
      ],
      [
        { type: "openai", apiKey: "k", apikey: "k" },
        "connection.invalid",
        'connection "c" apikey: unknown field for openai connections; expected apiKey, baseUrl, organization, maxConcurrency',
      ],
      [
        { type: "openai", apiKey: "k", baseUrl: "ftp://x" },
        "connection.invalid",
        'connection "c" baseUrl: expected an http(s) URL',
      ],
      [
        {
          type: "azure-ai",
          apiKey: "k",
          endpoint: "https://user:test-key-pw@contoso.services.ai.azure.com/models",
        },
        "connection.invalid",
        'connection "c" endpoint: expected a URL without credentials (user:password@); keys belong in apiKey',
      ],
      [
        // Malformed (port out of range): credentials are found without a URL parser.
        { type: "azure-ai", apiKey: "k", endpoint: "https://user:test-key-pw@example.com:99999/models" },
        "connection.invalid",
        'connection "c" endpoint: expected a URL without credentials (user:password@); keys belong in apiKey',
      ],
      [
        { type: "openai", apiKey: "k", baseUrl: "https://user:test-key-pw@example.com:99999/v1" },
        "connection.invalid",
        'connection "c" baseUrl: expected a URL without credentials (user:password@); keys belong in apiKey',
      ],
      [
        { type: "openai", apiKey: "k", baseUrl: "https://example.com:99999/v1?api-key=test-key-pw" },
        "connection.invalid",
        'connection "c" baseUrl: expected a URL without a key in its query (?api-key=…); keys belong in apiKey',
      ],
      [
        // Accepted as an endpoint shape, but the store would keep the key as plain text.
        { type: "azure-ai", apiKey: "k", endpoint: `${FOUNDRY}?api-key=test-key-pw` },
        "connection.invalid",
        'connection "c" endpoint: expected a URL without a key in its query (?api-key=…); keys belong in apiKey',
      ],
      [
        { type: "openai", apiKey: "${env:1BAD}" },
        "connection.invalid",
        'connection "c" apiKey: malformed environment reference',
      ],
      [
        { type: "openai", apiKey: "k", maxConcurrency: 0 },
        "connection.invalid",
        'connection "c" maxConcurrency: ',
      ],
      [
        { type: "custom", configs: { port: 8080 } },
        "connection.invalid",
        'connection "c" configs.port: expected a string, got 8080',
      ],
      [
        { type: "vault" },
        "connection.invalid",
        'connection "c" type: expected one of "azure-ai", "openai", "custom", "azure-ai-search", got "vault"',
      ],
    ];
    for (const [input, code, message] of cases) {
      const error = await flowError(store.create("c", input as never));
      expect([error.code, error.message.slice(0, message.length)]).toEqual([code, message]);
      expect(error.message).not.toContain("test-key-pw");
    }
    expect((await flowError(store.create("no spaces", { type: "openai", apiKey: "k" }))).code).toBe(
      "connection.invalid",
    );
    await expect(stat(store.path)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("creates, overwrites on request, updates and deletes", async () => {
    const store = await newStore();
    await store.create("a", {
      type: "azure-ai",
      endpoint: FOUNDRY,
      apiKey: "test-key-1",
      apiVersion: "2024-10-21",
    });
    const exists = await flowError(store.create("a", { type: "openai", apiKey: "test-key-2" }));
    expect(exists.code).toBe("connection.exists");
    expect(exists.message).toBe(
      'a connection named "a" already exists; delete it first or overwrite it (--force)',
    );
    await store.create("a", { type: "openai", apiKey: "test-key-2" }, { overwrite: true });
    expect((await store.get("a"))?.type).toBe("openai");

    await store.create("d", {
      type: "azure-ai",
      endpoint: FOUNDRY,
      apiKey: "test-key-1",
      apiVersion: "2024-10-21",
    });
    await store.update("d", { apiKey: "test-key-3", apiVersion: null, maxConcurrency: 3 });
    const d = await store.get("d");
    expect(d).toMatchObject({ endpoint: FOUNDRY, maxConcurrency: 3 });
    expect(d?.type === "azure-ai" && [(d.apiKey as Secret).reveal(), d.apiVersion]).toEqual([
      "test-key-3",
      undefined,
    ]);
    expect((await flowError(store.update("d", { endpoint: "https://example.com" }))).code).toBe(
      "connection.endpoint",
    );
    expect((await flowError(store.update("d", { type: "openai" } as never))).code).toBe("connection.invalid");

    await store.create("c", {
      type: "custom",
      configs: { a: "1", b: "2" },
      secrets: { s: "test-key-s", t: "test-key-t" },
    });
    await store.update("c", { configs: { a: null, c: "3" }, secrets: { t: null, u: "test-key-u" } });
    const c = await store.get("c");
    expect(
      c?.type === "custom" && [
        c.configs,
        Object.keys(c.secrets as object),
        (c.secrets as Record<string, Secret>).s?.reveal(),
        (c.secrets as Record<string, Secret>).u?.reveal(),
      ],
    ).toEqual([{ b: "2", c: "3" }, ["s", "u"], "test-key-s", "test-key-u"]);

    await store.delete("a");
    expect(await store.list()).toEqual(["c", "d"]);
    expect((await flowError(store.delete("a"))).code).toBe("connection.unknown");
    expect((await flowError(store.update("a", { apiKey: "x" }))).code).toBe("connection.unknown");
  });

  it("creates many at once, or none", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const exists = await flowError(
      store.createMany([
        { name: "b", connection: { type: "openai", apiKey: "test-key-b" } },
        { name: "a", connection: { type: "openai", apiKey: "test-key-a2" } },
      ]),
    );
    expect(exists.code).toBe("connection.exists");
    expect(exists.message).toContain('"a"');
    expect(await store.list()).toEqual(["a"]);
    await store.createMany([
      { name: "b", connection: { type: "openai", apiKey: "test-key-b" } },
      { name: "c", connection: { type: "openai", apiKey: "test-key-c" } },
    ]);
    expect(await store.list()).toEqual(["a", "b", "c"]);
  });

  it("serialises concurrent writes from one process", async () => {
    const store = await newStore();
    const names = Array.from({ length: 25 }, (_, index) => `c${index}`);
    await Promise.all(
      names.map((name) => store.create(name, { type: "openai", apiKey: `test-key-${name}` })),
    );
    expect(await store.list()).toEqual([...names].sort());
    const c7 = await store.get("c7");
    expect(c7?.type === "openai" && (c7.apiKey as Secret).reveal()).toBe("test-key-c7");
  });

  it("recovers from a writer that died holding the lock with a half-written temporary file", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const before = await readFile(store.path, "utf8");
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => child.on("exit", resolve));
    const lock = JSON.stringify({
      pid: child.pid,
      host: hostname(),
      token: "00ff00ff00ff00ff",
      acquiredAt: Date.now(),
    });
    await writeFile(`${store.path}.lock`, lock);
    await writeFile(join(store.home, `.connections.json.${child.pid}.0a1b2c3d4e5f.tmp`), before.slice(0, 40));

    // Readers never see the half file; the next writer takes over and cleans up.
    expect(await store.list()).toEqual(["a"]);
    expect(await readFile(store.path, "utf8")).toBe(before);
    await store.create("b", { type: "openai", apiKey: "test-key-b" });
    expect(await store.list()).toEqual(["a", "b"]);
    expect((await readdir(store.home)).sort()).toEqual(["connections.json", "secret.key"]);
  });

  it("takes WEFT_HOME from the environment", async () => {
    const home = await tempHome();
    const store = openConnectionStore({ connectionKinds: builtinConnectionKinds, env: { WEFT_HOME: home } });
    expect(store.path).toBe(join(home, "connections.json"));
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    expect(JSON.parse(await readFile(join(home, "connections.json"), "utf8")).connections.a.type).toBe(
      "openai",
    );
  });
});
