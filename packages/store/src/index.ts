export {
  type ConnectionInput,
  type ConnectionPatch,
  checkConnectionName,
  type InputLocation,
  type MaskedConnection,
  parseConnectionInput,
  resolveConnectionEnv,
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
export {
  type EnvReferenceLocation,
  findEnvReferences,
  hasEnvReference,
  isEnvReference,
  resolveEnvReferences,
} from "./env.js";
export {
  type ImportConnectionsOptions,
  type ImportedConnection,
  importConnections,
  promptflowTypes,
} from "./import/index.js";
export {
  describeFileError,
  describeSystemError,
  formatBytes,
  type ReadRegularFileOptions,
  readRegularFile,
} from "./read-regular-file.js";
export { decodeKey, SECRET_KEY_ENV } from "./secret-key.js";
