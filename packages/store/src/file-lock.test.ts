import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeAbandonedLockFiles, withFileLock } from "./file-lock.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function tempLock(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "weft-lock-"));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return join(directory, "store.lock");
}

/** A child process that stays alive until the test ends. */
function liveProcess(): ChildProcess & { pid: number } {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  cleanups.push(async () => {
    child.kill("SIGKILL");
  });
  return child as ChildProcess & { pid: number };
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

function lockText(pid: number, token = "0123456789abcdef", host = hostname()): string {
  return JSON.stringify({ pid, host, token, acquiredAt: Date.now() });
}

describe("withFileLock", () => {
  it("breaks a lock whose process has died", async () => {
    const lock = await tempLock();
    await writeFile(lock, lockText(await deadPid()));
    expect(await withFileLock(lock, async () => JSON.parse(await readFile(lock, "utf8")).pid)).toBe(
      process.pid,
    );
    await expect(stat(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("breaks a lock with this process's pid but a token it does not hold", async () => {
    const lock = await tempLock();
    await writeFile(lock, lockText(process.pid));
    await expect(withFileLock(lock, async () => "ran", { timeoutMs: 2000 })).resolves.toBe("ran");
  });

  it("waits for a live holder and gives up with a clear error", async () => {
    const lock = await tempLock();
    const holder = liveProcess();
    const held = lockText(holder.pid);
    await writeFile(lock, held);
    let ran = false;
    const error = await withFileLock(
      lock,
      async () => {
        ran = true;
      },
      { timeoutMs: 300 },
    ).catch((reason: unknown) => reason);
    expect(ran).toBe(false);
    expect(error).toMatchObject({ code: "store.locked" });
    expect((error as Error).message).toContain(`held by process ${holder.pid} on ${hostname()}`);
    expect(await readFile(lock, "utf8")).toBe(held);
  });

  it("goes ahead as soon as a live holder releases", async () => {
    const lock = await tempLock();
    const holder = liveProcess();
    await writeFile(lock, lockText(holder.pid));
    const started = Date.now();
    setTimeout(() => void rm(lock), 200);
    await withFileLock(lock, async () => undefined, { timeoutMs: 5000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("trusts an unreadable lock for a while, then breaks it", async () => {
    const lock = await tempLock();
    await writeFile(lock, "");
    await expect(withFileLock(lock, async () => undefined, { timeoutMs: 200 })).rejects.toMatchObject({
      code: "store.locked",
    });
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await expect(withFileLock(lock, async () => "ran", { timeoutMs: 2000 })).resolves.toBe("ran");
  });

  it("treats a lock from another host as held until it is old", async () => {
    const lock = await tempLock();
    await writeFile(lock, lockText(1, "0123456789abcdef", "another-host"));
    await expect(withFileLock(lock, async () => undefined, { timeoutMs: 200 })).rejects.toMatchObject({
      code: "store.locked",
    });
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    await expect(withFileLock(lock, async () => "ran", { timeoutMs: 2000 })).resolves.toBe("ran");
  });

  it("runs one task at a time within a process and releases after a failure", async () => {
    const lock = await tempLock();
    let running = 0;
    let most = 0;
    const task = async (fail: boolean) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (fail) throw new Error("task failed");
    };
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => withFileLock(lock, () => task(i % 3 === 0))),
    );
    expect(most).toBe(1);
    expect(results.filter((result) => result.status === "rejected")).toHaveLength(4);
    await expect(stat(lock)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await readdir(join(lock, ".."))).sort()).toEqual([]);
  });

  it("removes abandoned private files of processes that died while taking the lock", async () => {
    const lock = await tempLock();
    const live = liveProcess();
    const files = {
      dead: [`${lock}.1.00ff00ff00ff00f1`, lockText(await deadPid())],
      old: [`${lock}.2.00ff00ff00ff00f2`, lockText(live.pid, "a", "another-host")],
      live: [`${lock}.3.00ff00ff00ff00f3`, lockText(live.pid)],
      remote: [`${lock}.4.00ff00ff00ff00f4`, lockText(live.pid, "b", "another-host")],
    };
    for (const [path, text] of Object.values(files)) await writeFile(path as string, text as string);
    const old = new Date(Date.now() - 120_000);
    await utimes(files.old[0] as string, old, old);
    await removeAbandonedLockFiles(lock);
    expect((await readdir(join(lock, ".."))).sort()).toEqual([
      "store.lock.3.00ff00ff00ff00f3",
      "store.lock.4.00ff00ff00ff00f4",
    ]);
  });

  it("removes the empty or half-written private file of a process killed before it wrote its details", async () => {
    const lock = await tempLock();
    const dead = await deadPid();
    const live = liveProcess();
    const files = {
      empty: [`${lock}.${dead}.00ff00ff00ff00f1`, ""],
      partial: [`${lock}.${dead}.00ff00ff00ff00f2`, '{"pid":'],
      // A live process on this host may be between creating its file and writing it.
      live: [`${lock}.${live.pid}.00ff00ff00ff00f3`, ""],
    };
    for (const [path, text] of Object.values(files)) await writeFile(path as string, text as string);
    await removeAbandonedLockFiles(lock);
    expect(await readdir(join(lock, ".."))).toEqual([`store.lock.${live.pid}.00ff00ff00ff00f3`]);
  });

  it("takes the lock even when its own private file was removed while it waited", async () => {
    // As another host's writer may do, judging it abandoned by the pid in its name.
    const lock = await tempLock();
    const holder = liveProcess();
    await writeFile(lock, lockText(holder.pid));
    const mine = `store.lock.${process.pid}.`;
    const taking = withFileLock(lock, async () => "ran", { timeoutMs: 10_000 });
    let names: string[] = [];
    while (!names.some((name) => name.startsWith(mine))) {
      names = await readdir(join(lock, ".."));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await rm(join(lock, "..", names.find((name) => name.startsWith(mine))!));
    await rm(lock);
    await expect(taking).resolves.toBe("ran");
    expect(await readdir(join(lock, ".."))).toEqual([]);
  });
});
