import type { ConnectionProvider } from "@weft/engine";

/** The static connections `weft run` uses by default: the local encrypted store. */
export async function openCliConnections(_env: NodeJS.ProcessEnv): Promise<ConnectionProvider | undefined> {
  return undefined;
}
