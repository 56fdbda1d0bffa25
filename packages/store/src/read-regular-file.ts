import { constants, type Stats } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type ErrorCode, FlowError } from "@weft/engine";

/**
 * Reading a file a user points at (a flow, an inputs file, the store, a key file) without the
 * ways that can go wrong: a directory, a named pipe that blocks forever, a device that never
 * ends, a symlink loop, a file too large to hold in memory. The size and kind are checked with
 * `stat` before anything is read, again on the open handle (the path may have changed between),
 * and the read itself stops at the limit. Every failure is one `FlowError` line naming the file.
 */

/** Options of `readRegularFile`. */
export interface ReadRegularFileOptions {
  /** The `code` of the `FlowError` thrown when the file cannot be read. */
  code: ErrorCode;
  /** What the file should be, for messages: `a flow file`. */
  expected: string;
  /** The largest size accepted, in bytes. */
  maxBytes: number;
  /** How messages name the file, before a colon; default: the path as given. */
  label?: string;
  /** Return `undefined` for a file that does not exist instead of throwing. */
  optional?: boolean;
}

/** Reads a regular file of at most `maxBytes` as UTF-8 text, or throws a one-line `FlowError`. */
export async function readRegularFile(
  path: string,
  options: ReadRegularFileOptions & { optional: true },
): Promise<string | undefined>;
/** Reads a regular file of at most `maxBytes` as UTF-8 text, or throws a one-line `FlowError`. */
export async function readRegularFile(path: string, options: ReadRegularFileOptions): Promise<string>;
export async function readRegularFile(
  path: string,
  options: ReadRegularFileOptions,
): Promise<string | undefined> {
  const fail = (why: string) =>
    new FlowError(options.code, `${options.label ?? path}: ${why}`, { file: path });
  let handle: FileHandle | undefined;
  try {
    checkFile(await stat(path), options, fail);
    // O_NONBLOCK: should the path have become a named pipe since the stat, opening it must not
    // wait for a writer; the handle's own stat below then refuses it.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    checkFile(await handle.stat(), options, fail);
    return await readAtMost(handle, options.maxBytes, fail, options);
  } catch (error) {
    if (error instanceof FlowError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && options.optional) return undefined;
    throw fail(describeFileError(error, path, options.expected));
  } finally {
    await handle?.close();
  }
}

/**
 * Why a file system call on `path` failed, in words, for a message after the file's name.
 * `expected` says what the path should have been; `action` what was being done with it.
 */
export function describeFileError(
  error: unknown,
  path: string,
  expected: string,
  action: "read" | "write" = "read",
): string {
  const code = (error as NodeJS.ErrnoException).code;
  const absolute = resolve(path);
  const where = absolute === path ? "" : ` (${absolute})`;
  switch (code) {
    case "ENOENT":
      return action === "read" ? `no such file${where}` : `its directory does not exist${where}`;
    case "ENOTDIR":
      return `a part of the path is not a directory${where}`;
    case "EISDIR":
      return `it is a directory, expected ${expected}`;
    case "ELOOP":
      return `too many levels of symbolic links (a symlink loop?), expected ${expected}`;
    case "EACCES":
    case "EPERM":
      return `permission denied${where}`;
    case "ENXIO":
      return `it is a socket or a device, expected ${expected}`;
    case "ENAMETOOLONG":
      return "the path is too long";
    default:
      return `cannot ${action} it: ${describeSystemError(error)}`;
  }
}

/**
 * A system error in words: `no space left on device (ENOSPC)`. Node's messages read
 * `ENOSPC: no space left on device, write`; anything else gives its message, never `undefined`.
 */
export function describeSystemError(error: unknown): string {
  const { code, message } = (error ?? {}) as Partial<NodeJS.ErrnoException>;
  const text = typeof message === "string" ? /^[A-Z][A-Z0-9_]*: ([^,]+)/.exec(message)?.[1] : undefined;
  if (typeof code === "string" && text) return `${text} (${code})`;
  if (typeof code === "string") return code;
  return (typeof message === "string" && message) || String(error);
}

/** A byte count for messages: `512 bytes`, `10 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

function checkFile(info: Stats, options: ReadRegularFileOptions, fail: (why: string) => FlowError): void {
  if (!info.isFile()) throw fail(`it is ${describeKind(info)}, expected ${options.expected}`);
  if (info.size > options.maxBytes) throw tooLarge(info.size, options, fail);
}

/** `size` is unknown when the file grew while it was read. */
function tooLarge(
  size: number | undefined,
  options: ReadRegularFileOptions,
  fail: (why: string) => FlowError,
): FlowError {
  const limit = `the ${formatBytes(options.maxBytes)} allowed for ${options.expected}`;
  return fail(
    size === undefined ? `it is larger than ${limit}` : `it is ${formatBytes(size)}, larger than ${limit}`,
  );
}

function describeKind(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a named pipe (FIFO)";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** Reads to the end, refusing a file that grew past the limit after it was checked. */
async function readAtMost(
  handle: FileHandle,
  maxBytes: number,
  fail: (why: string) => FlowError,
  options: ReadRegularFileOptions,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > maxBytes) throw tooLarge(undefined, options, fail);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}
