import type { ConnectionProvider } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { openConnectionStore } from "@weft/store";

/** The connection kinds the CLI knows: the built-in ones. */
export const cliConnectionKinds = builtinConnectionKinds;

/** The static connections `weft run` uses by default: the local encrypted store in $WEFT_HOME. */
export async function openCliConnections(env: NodeJS.ProcessEnv): Promise<ConnectionProvider | undefined> {
  return openConnectionStore({ env, connectionKinds: cliConnectionKinds });
}
