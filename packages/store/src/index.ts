// The public API of @weft/store: the encrypted local connection store (a `ConnectionProvider`), its
// importers, and the file reading it shares with the CLI. `api/store.api.md` records the whole
// surface (`pnpm api` rewrites it).
export type {
  ConnectionInput,
  ConnectionPatch,
  InputLocation,
  MaskedConnection,
} from "./connection-input.js";
export { ConnectionStore, openConnectionStore } from "./connection-store.js";
export type {
  ConnectionStoreOptions,
  CreateConnectionOptions,
  KeyRotationResult,
  NamedConnectionInput,
  RotateKeyOptions,
  StoredConnectionSummary,
} from "./connection-store-types.js";
export { type ImportConnectionsOptions, type ImportedConnection, importConnections } from "./import/index.js";
export {
  describeSystemError,
  formatBytes,
  type ReadRegularFileOptions,
  readRegularFile,
} from "./read-regular-file.js";
export { decodeKey } from "./secret-key.js";
