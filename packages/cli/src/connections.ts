import type { ConnectionProvider } from "@weft/engine";
import { openConnectionStore } from "@weft/store";

/** The static connections `weft run` uses by default: the local encrypted store in $WEFT_HOME. */
export async function openCliConnections(env: NodeJS.ProcessEnv): Promise<ConnectionProvider | undefined> {
  return openConnectionStore({ env });
}
