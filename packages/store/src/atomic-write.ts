import { randomBytes } from "node:crypto";
import { link, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Crash-safe file replacement: the new content goes to a temporary file in the same directory,
 * is flushed to disk, and then takes the target's name in one `rename` (or `link`, when the
 * target must not exist yet), after which the directory itself is flushed so the new name
 * survives a power cut. A reader, or a process that dies half-way, sees the old file or the new
 * one, never a mix.
 */

/** Options of `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /** File mode of the result; 0600 unless told otherwise. */
  mode?: number;
  /** Fail with `EEXIST` instead of replacing an existing file. */
  exclusive?: boolean;
}

/** Temporary files are `.<target>.<pid>.<random>.tmp`, so leftovers can be told apart. */
const TEMP_FILE = /^\.(.+)\.\d+\.[0-9a-f]+\.tmp$/;

/** Writes `data` to `path` atomically (see above). */
export async function writeFileAtomic(
  path: string,
  data: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(data, "utf8");
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) {
      await link(temp, path);
      await rm(temp, { force: true });
    } else {
      await rename(temp, path);
    }
  } catch (error) {
    await rm(temp, { force: true });
    // Name the file being written, not the temporary one (a failed write names neither).
    if (error !== null && typeof error === "object") (error as NodeJS.ErrnoException).path = path;
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Flushes a directory's entries (new and renamed names) to disk where the platform allows it. */
export async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename has happened either way.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Removes temporary files a writer left when it died before its rename. Only call it while
 * holding the lock that every writer of these targets holds, so no live writer owns them.
 */
export async function removeLeftoverTempFiles(
  directory: string,
  targets: readonly string[],
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(directory)) {
    const target = TEMP_FILE.exec(name)?.[1];
    if (target !== undefined && targets.includes(target)) {
      await rm(join(directory, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}
