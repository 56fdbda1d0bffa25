import type { ConnectionProvider } from "@weft/engine";
import { openConnectionStore } from "@weft/store";
import type { CliCatalog } from "./plugins.js";

/** The static connections `weft run` uses by default: the local encrypted store in $WEFT_HOME. */
export async function openCliConnections(
  env: NodeJS.ProcessEnv,
  catalog: CliCatalog,
): Promise<ConnectionProvider | undefined> {
  return openConnectionStore({ env, connectionKinds: catalog.connectionKinds });
}
