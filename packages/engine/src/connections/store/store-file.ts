import { z } from "zod";
import { FlowError } from "../../errors/flow-error.js";
import { MAX_STORE_FILE_BYTES } from "../../limits.js";
import { writeFileAtomic } from "./atomic-write.js";
import { readRegularFile } from "./read-regular-file.js";

/**
 * The store's file, `$WEFT_HOME/connections.json`:
 *
 * ```json
 * { "version": 1, "keyId": "Qm9vS2V5",
 *   "connections": {
 *     "shared-foundry": { "type": "azure-ai", "endpoint": "https://…/models",
 *                         "apiKey": "weft:v1:Qm9vS2V5:<nonce>:<ciphertext+tag>",
 *                         "mac": "weft:v1:Qm9vS2V5:<hmac>" } } }
 * ```
 *
 * Plain fields are kept as written (including `${env:…}` references); secret fields are sealed
 * (see `secret-cipher.ts`) unless they are exactly one `${env:NAME}` reference; `mac` covers the
 * whole record and its name. `keyId` names the key everything was sealed with.
 */

/** The file's name inside `$WEFT_HOME`. */
export const STORE_FILE = "connections.json";
/** The format version this code reads and writes. */
export const STORE_VERSION = 1;

/** One connection as stored: its fields (secrets sealed) and its integrity code. */
export type StoredRecord = { type: string; mac: string } & Record<string, unknown>;

/** The store's content in memory. */
export interface StoreDocument {
  /** The key every record was sealed with; unset while the store is empty. */
  keyId: string | undefined;
  connections: Map<string, StoredRecord>;
}

const storeFileSchema = z.object({
  version: z.number(),
  keyId: z.string().optional(),
  connections: z.record(z.string(), z.looseObject({ type: z.string(), mac: z.string() })),
});

/**
 * Reads the store; a missing file is an empty store. A directory, a named pipe, a symlink loop,
 * an unreadable or oversized file is a `store.file` error naming the path.
 */
export async function readStoreDocument(path: string): Promise<StoreDocument> {
  const text = await readRegularFile(path, {
    code: "store.file",
    expected: "the connection store's file",
    maxBytes: MAX_STORE_FILE_BYTES,
    optional: true,
  });
  if (text === undefined) return { keyId: undefined, connections: new Map() };
  return parseStoreDocument(text, path);
}

/** Parses the store's text, or throws `store.corrupt` naming the file. */
export function parseStoreDocument(text: string, path: string): StoreDocument {
  const corrupt = (why: string) =>
    new FlowError("store.corrupt", `${path} ${why}; restore it from a backup or move it aside`, {
      file: path,
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw corrupt(`is not valid JSON (${(error as Error).message})`);
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version > STORE_VERSION) {
    throw new FlowError(
      "store.corrupt",
      `${path} was written by a newer weft (format ${version}; this one reads ${STORE_VERSION}); upgrade weft`,
      { file: path },
    );
  }
  const parsed = storeFileSchema.safeParse(data);
  if (!parsed.success || parsed.data.version !== STORE_VERSION) {
    throw corrupt("does not have the layout of a weft connection store");
  }
  const connections = new Map(Object.entries(parsed.data.connections) as [string, StoredRecord][]);
  if (connections.size > 0 && parsed.data.keyId === undefined)
    throw corrupt('has connections but no "keyId"');
  return { keyId: connections.size > 0 ? parsed.data.keyId : undefined, connections };
}

/** The file's text: stable key order, names sorted, so diffs and backups stay readable. */
export function serializeStoreDocument(document: StoreDocument): string {
  const names = [...document.connections.keys()].sort();
  const connections = Object.fromEntries(names.map((name) => [name, document.connections.get(name)]));
  const keyId = document.connections.size > 0 ? document.keyId : undefined;
  return `${JSON.stringify({ version: STORE_VERSION, ...(keyId ? { keyId } : {}), connections }, null, 2)}\n`;
}

/** Replaces the store's file atomically, mode 0600. */
export async function writeStoreDocument(path: string, document: StoreDocument): Promise<void> {
  await writeFileAtomic(path, serializeStoreDocument(document));
}
