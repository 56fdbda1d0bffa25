export {
  type ImportConnectionsOptions,
  type ImportedConnection,
  importConnections,
} from "./import-connections.js";
export { PROMPTFLOW_TYPES } from "./promptflow.js";
