import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statfsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FlowError } from "../../errors/flow-error.js";
import { MAX_KEY_FILE_BYTES, MAX_STORE_FILE_BYTES } from "../../limits.js";
import { type ConnectionStore, openConnectionStore } from "./connection-store.js";

/**
 * The store's files being something other than files: a directory, a named pipe, a symlink
 * loop, a huge file, a `$WEFT_HOME` that is a file. Every operation gives one line naming the
 * path and what was expected, and leaves everything as it was.
 */

const homes: string[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});

async function newStore(env: NodeJS.ProcessEnv = {}): Promise<ConnectionStore> {
  const parent = await mkdtemp(join(tmpdir(), "weft-store-files-"));
  homes.push(parent);
  return openConnectionStore({ home: join(parent, "home"), env });
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

/** Every entry of a directory with its kind and (for files) content, to prove nothing changed. */
async function snapshot(directory: string): Promise<string[]> {
  const entries: string[] = [];
  for (const name of (await readdir(directory)).sort()) {
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    const kind = info?.isFile() ? `file ${info.size} ${await readFile(path, "base64")}` : String(info?.mode);
    entries.push(`${name}: ${kind}`);
  }
  return entries;
}

type Breakage = {
  name: string;
  /** Turns the file at `path` into the broken thing. */
  make: (path: string) => Promise<void>;
  /** What the message says after the path. */
  says: RegExp;
};

const breakages: Breakage[] = [
  {
    name: "a directory",
    make: async (path) => {
      await rm(path);
      await mkdir(path);
    },
    says: /: it is a directory, expected /,
  },
  {
    name: "a named pipe",
    make: async (path) => {
      await rm(path);
      execFileSync("mkfifo", ["-m", "600", path]);
    },
    says: /: it is a named pipe \(FIFO\), expected /,
  },
  {
    name: "a symlink loop",
    make: async (path) => {
      await rm(path);
      await symlink(`${path}.loop`, path);
      await symlink(path, `${path}.loop`);
    },
    says: /: too many levels of symbolic links \(a symlink loop\?\), expected /,
  },
];

describe("connections.json that is not a store file", () => {
  const tooLarge: Breakage = {
    name: "larger than the limit",
    make: (path) => truncate(path, MAX_STORE_FILE_BYTES + 1),
    says: /: it is 16\.0 MiB, larger than the 16 MiB allowed for the connection store's file$/,
  };

  it.each([...breakages, tooLarge])(
    "$name: every operation says so in one line and changes nothing",
    async ({ make, says }) => {
      const store = await newStore();
      await store.create("a", { type: "openai", apiKey: "test-key-a" });
      await make(store.path);
      const before = await snapshot(store.home);

      const operations: Array<[string, () => Promise<unknown>]> = [
        ["list", () => store.list()],
        ["listSummaries", () => store.listSummaries()],
        ["show", () => store.show("a")],
        ["get", () => store.get("a")],
        ["create", () => store.create("b", { type: "openai", apiKey: "test-key-b" })],
        ["update", () => store.update("a", { organization: "org" })],
        ["delete", () => store.delete("a")],
        ["rotateKey", () => store.rotateKey()],
      ];
      for (const [operation, run] of operations) {
        const error = await flowError(run());
        expect(error.code, operation).toBe("store.file");
        expect(error.message, operation).toMatch(says);
        expect(error.message.startsWith(`${store.path}: `), operation).toBe(true);
        expect(error.message).not.toContain("\n");
      }
      expect(await snapshot(store.home)).toEqual(before);
    },
  );
});

describe("secret.key that is not a key file", () => {
  const tooLarge: Breakage = {
    name: "larger than the limit",
    make: async (path) => {
      await writeFile(path, `${"A".repeat(MAX_KEY_FILE_BYTES)}=\n`, { mode: 0o600 });
    },
    says: /: it is 1\.0 KiB, larger than the 1 KiB allowed for the store's key file \(32 bytes in base64\)$/,
  };

  it.each([...breakages, tooLarge])(
    "$name: every operation needing the key says so and changes nothing",
    async ({ make, says }) => {
      const store = await newStore();
      await store.create("a", { type: "openai", apiKey: "test-key-a" });
      await make(store.keyPath);
      const before = await snapshot(store.home);

      const operations: Array<[string, () => Promise<unknown>]> = [
        ["get", () => store.get("a")],
        ["create", () => store.create("b", { type: "openai", apiKey: "test-key-b" })],
        ["update", () => store.update("a", { organization: "org" })],
        ["rotateKey", () => store.rotateKey()],
      ];
      for (const [operation, run] of operations) {
        const error = await flowError(run());
        expect(error.code, operation).toBe("store.key-file");
        expect(error.message, operation).toMatch(says);
        expect(error.message.startsWith(`${store.keyPath}: `), operation).toBe(true);
      }
      expect(await snapshot(store.home)).toEqual(before);
      // What needs no key still works.
      expect(await store.list()).toEqual(["a"]);
    },
  );

  it("refuses a key file that is a directory on an empty store, instead of making a key", async () => {
    const store = await newStore();
    await mkdir(store.home, { recursive: true });
    await mkdir(store.keyPath);
    const error = await flowError(store.create("a", { type: "openai", apiKey: "test-key-a" }));
    expect(error.message).toBe(
      `${store.keyPath}: it is a directory, expected the store's key file (32 bytes in base64)`,
    );
    expect(await readdir(store.home)).toEqual(["secret.key"]);
  });
});

describe("a store home that is not a directory", () => {
  it("says so for reads and writes, and changes nothing", async () => {
    const store = await newStore();
    await writeFile(store.home, "not a directory\n");
    const read = await flowError(store.list());
    expect(read.code).toBe("store.file");
    expect(read.message).toBe(`${store.path}: a part of the path is not a directory`);
    const write = await flowError(store.create("a", { type: "openai", apiKey: "test-key-a" }));
    expect(write.code).toBe("store.file");
    expect(write.message).toBe(`${store.home}: it is not a directory, expected the store's directory`);
    expect(await readFile(store.home, "utf8")).toBe("not a directory\n");
  });

  it("names a lock file that is a directory", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    await mkdir(`${store.path}.lock`);
    const before = await snapshot(store.home);
    const error = await flowError(store.create("b", { type: "openai", apiKey: "test-key-b" }));
    expect(error.code).toBe("store.file");
    expect(error.message).toBe(
      `${store.path}.lock: it is a directory, expected a file of the connection store`,
    );
    expect(await snapshot(store.home)).toEqual(before);
  });
});

describe("the store's keyId", () => {
  it("is checked when a connection is read, before anything is decrypted", async () => {
    const store = await newStore();
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const document = JSON.parse(await readFile(store.path, "utf8"));
    const keyId: string = document.keyId;
    document.keyId = "AAAAAAAA";
    await writeFile(store.path, JSON.stringify(document));

    const error = await flowError(store.get("a"));
    expect(error.code).toBe("store.wrong-key");
    expect(error.message).toBe(
      `cannot open connection "a": ${store.path} was saved with key AAAAAAAA, but the key from ` +
        `${store.keyPath} is ${keyId}; use the key it was saved with`,
    );
  });
});

/**
 * A 16 KiB file system to fill up. Mounting needs root on Linux; elsewhere the test is skipped.
 */
function mountTinyFileSystem(): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const directory = mkdtempSync(join(tmpdir(), "weft-store-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", directory], { stdio: "ignore" });
    return directory;
  } catch {
    rmSync(directory, { recursive: true, force: true });
    return undefined;
  }
}

describe("a full disk", () => {
  const tiny = mountTinyFileSystem();
  afterAll(() => {
    if (tiny === undefined) return;
    execFileSync("umount", [tiny]);
    rmSync(tiny, { recursive: true, force: true });
  });

  /** Leaves `blocks` free blocks on the tiny file system. */
  async function fill(blocks: number): Promise<void> {
    const filler = join(tiny!, "filler");
    await rm(filler, { force: true });
    const { bavail, bsize } = statfsSync(tiny!);
    await writeFile(filler, Buffer.alloc(Math.max(0, (bavail - blocks) * bsize)));
  }

  it.runIf(tiny)("a write that does not fit is one line naming the file, and changes nothing", async () => {
    const store = openConnectionStore({ home: join(tiny!, "home"), env: {} });
    await store.create("a", { type: "openai", apiKey: "test-key-a" });
    const before = await snapshot(store.home);

    // No room for the lock file; then room for the lock file but not the new store file.
    for (const [blocks, file] of [
      [0, `${store.path}.lock`],
      [1, store.path],
    ] as const) {
      await fill(blocks);
      const error = await flowError(store.create("b", { type: "openai", apiKey: "test-key-b" }));
      expect(error.code).toBe("store.file");
      expect(error.message).toBe(`${file}: cannot write it: no space left on device (ENOSPC)`);
      expect(await snapshot(store.home)).toEqual(before);
      expect(await store.list()).toEqual(["a"]);
    }
  });
});
