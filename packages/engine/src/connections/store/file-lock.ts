import { randomBytes } from "node:crypto";
import { link, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { FlowError } from "../../errors/flow-error.js";

/**
 * A lock file shared by every process that writes the store, so that read-modify-write cycles
 * never interleave.
 *
 * - Taking it: the holder's details (pid, host, a random token) are written to a private file,
 *   which is then hard-linked to the lock's name. `link` fails if the name exists, so exactly one
 *   process wins, and the lock file is complete from the moment it appears.
 * - Waiting: the others retry with growing, jittered pauses for up to `timeoutMs`.
 * - Stale locks: a lock whose process has died (same host, pid gone) is broken. Breaking happens
 *   under a second, short-lived `.break` lock and only if the lock still holds the token that was
 *   judged stale, so two processes cannot both break it and then remove each other's fresh lock.
 *   Locks from other hosts, and locks whose pid may have been reused, count as stale after
 *   `staleMs` (writes take milliseconds).
 * - Within one process, callers queue on a promise chain before taking the file lock.
 */

/** Options of `withFileLock`. */
export interface FileLockOptions {
  /** How long to wait for another holder, in ms (default 15 s). */
  timeoutMs?: number;
  /** Age after which a lock that cannot be checked by pid is treated as abandoned (default 60 s). */
  staleMs?: number;
}

/** What a lock file holds. */
interface LockInfo {
  pid: number;
  host: string;
  token: string;
  acquiredAt: number;
}

interface Holder {
  info: LockInfo | undefined;
  raw: string;
  ageMs: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_STALE_MS = 60_000;
/** A lock file we cannot parse is only trusted this long. */
const UNREADABLE_STALE_MS = 5_000;

/** Tokens of file locks this process holds right now. */
const heldTokens = new Set<string>();
/** The tail of each lock's in-process queue. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `task` while holding the lock at `lockPath`, and releases it afterwards, whatever happens. */
export async function withFileLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      const token = await acquire(lockPath, options);
      try {
        return await task();
      } finally {
        await release(lockPath, token);
      }
    });
  queues.set(lockPath, run);
  try {
    return await run;
  } finally {
    if (queues.get(lockPath) === run) queues.delete(lockPath);
  }
}

/**
 * Removes the private files (`<lock>.<pid>.<token>`) of processes that died while taking the
 * lock: those of dead processes on this host, and any older than `staleMs` (they exist for at
 * most `timeoutMs`). A process killed between creating its file and writing its details leaves
 * it empty: then the pid in the name decides. Should that file belong to a live process on
 * another host, that process writes it again (see `tryTake`). Call it while holding the lock.
 */
export async function removeAbandonedLockFiles(
  lockPath: string,
  options: FileLockOptions = {},
): Promise<void> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const prefix = `${basename(lockPath)}.`;
  for (const name of await readdir(dirname(lockPath))) {
    const owner = /^(\d+)\.[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !owner) continue;
    const path = join(dirname(lockPath), name);
    const holder = await readHolder(path);
    if (holder === undefined) continue;
    const { host, pid } = holder.info ?? { host: hostname(), pid: Number(owner[1]) };
    const dead = host === hostname() && pid !== process.pid && !isProcessAlive(pid);
    if (dead || holder.ageMs > staleMs) await rm(path, { force: true });
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const token = randomBytes(8).toString("hex");
  const info: LockInfo = { pid: process.pid, host: hostname(), token, acquiredAt: Date.now() };
  const pending = `${lockPath}.${process.pid}.${token}`;
  await writeFile(pending, JSON.stringify(info), { mode: 0o600, flag: "wx" }).catch(async (error) => {
    // A full disk can leave the file created but empty.
    await rm(pending, { force: true });
    (error as NodeJS.ErrnoException).path = lockPath;
    throw error;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (let attempt = 0; ; attempt++) {
      if (await tryTake(pending, lockPath, info)) {
        heldTokens.add(token);
        return token;
      }
      const holder = await readHolder(lockPath);
      if (holder === undefined) continue;
      if (isStale(holder, staleMs)) {
        await breakStaleLock(lockPath, holder);
        continue;
      }
      if (Date.now() >= deadline) throw timedOut(lockPath, holder, timeoutMs);
      await sleep(Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
    }
  } finally {
    await rm(pending, { force: true });
  }
}

/** One attempt to create the lock; `false` if someone else holds it. */
async function tryTake(pending: string, lockPath: string, info: LockInfo): Promise<boolean> {
  try {
    await link(pending, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "ENOENT") {
      // Our private file was taken for abandoned (see removeAbandonedLockFiles): write it again.
      await writeFile(pending, JSON.stringify(info), { mode: 0o600, flag: "wx" });
      return false;
    }
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw error;
  }
  // File systems without hard links: exclusive create. The file is briefly empty, which readers
  // treat as held (see UNREADABLE_STALE_MS).
  try {
    await writeFile(lockPath, JSON.stringify(info), { mode: 0o600, flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  heldTokens.delete(token);
  const holder = await readHolder(lockPath);
  if (holder?.info?.token === token) await rm(lockPath, { force: true });
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath)]);
    return { info: parseLockInfo(raw), raw, ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // A read of a directory fails without naming it; messages need the path.
    (error as NodeJS.ErrnoException).path ??= lockPath;
    throw error;
  }
}

function parseLockInfo(raw: string): LockInfo | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockInfo>;
    return typeof value.pid === "number" && typeof value.host === "string" && typeof value.token === "string"
      ? (value as LockInfo)
      : undefined;
  } catch {
    return undefined;
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  const { info } = holder;
  if (info === undefined) return holder.ageMs > UNREADABLE_STALE_MS;
  if (info.host !== hostname()) return holder.ageMs > staleMs;
  // Our own pid with a token we do not hold: left by an earlier process that had our pid.
  if (info.pid === process.pid) return !heldTokens.has(info.token);
  return !isProcessAlive(info.pid) || holder.ageMs > staleMs * 10;
}

async function breakStaleLock(lockPath: string, stale: Holder): Promise<void> {
  const breaker = `${lockPath}.break`;
  try {
    await writeFile(breaker, String(process.pid), { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Someone else is breaking it; a breaker left by a crash is cleared after a while.
    const age = await ageOf(breaker);
    if (age !== undefined && age > UNREADABLE_STALE_MS) await rm(breaker, { force: true });
    else await sleep(5);
    return;
  }
  try {
    const current = await readHolder(lockPath);
    if (current?.raw === stale.raw) await rm(lockPath, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function ageOf(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function timedOut(lockPath: string, holder: Holder, timeoutMs: number): FlowError {
  const who = holder.info ? `process ${holder.info.pid} on ${holder.info.host}` : "another process";
  return new FlowError(
    "store.locked",
    `waited ${Math.round(timeoutMs / 1000)} s for ${lockPath}, held by ${who}; ` +
      "if no weft process is running, delete that file",
    { file: lockPath },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
