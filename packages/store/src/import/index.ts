export {
  type ImportConnectionsOptions,
  type ImportedConnection,
  importConnections,
} from "./import-connections.js";
export { promptflowTypes } from "./promptflow.js";
