import { FlowError } from "@weft/engine";
import { describeFileError } from "./read-regular-file.js";

/**
 * A file system error from a store operation (a full disk, a lock file that is a directory, a
 * read-only directory) as a one-line `store.file` error naming the path; other errors unchanged.
 */
export function describeStoreFileError(error: unknown): unknown {
  const { code, path } = error as NodeJS.ErrnoException;
  if (error instanceof FlowError || typeof code !== "string" || typeof path !== "string") return error;
  const action = code === "ENOENT" || code === "EISDIR" || code === "ELOOP" ? "read" : "write";
  return new FlowError(
    "store.file",
    `${path}: ${describeFileError(error, path, "a file of the connection store", action)}`,
    { file: path },
  );
}
