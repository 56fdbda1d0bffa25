import { existsSync } from "node:fs";
import { join } from "node:path";
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

/**
 * A worker's static connections: its local store, as for `weft run`, except that `WEFT_SECRET_KEY`
 * is the queue's key (shared by the producer and every worker) and so opens the store only when
 * the store has no key file of its own. A store made on this machine with `secret.key` keeps
 * using it, whatever key the queue has.
 */
export async function openWorkerConnections(
  env: NodeJS.ProcessEnv,
  catalog: CliCatalog,
): Promise<ConnectionProvider | undefined> {
  const store = openConnectionStore({ env, connectionKinds: catalog.connectionKinds });
  if (env.WEFT_SECRET_KEY === undefined || !existsSync(join(store.home, "secret.key"))) return store;
  const { WEFT_SECRET_KEY: _queueKey, ...storeEnv } = env;
  return openConnectionStore({ env: storeEnv, connectionKinds: catalog.connectionKinds });
}
