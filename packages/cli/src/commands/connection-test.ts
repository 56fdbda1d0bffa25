import { FlowError, unknownConnectionError } from "@weft/engine";
import { openConnectionStore } from "@weft/store";
import type { Command } from "commander";
import { EXIT_OK, EXIT_RUN_FAILED } from "../cli-error.js";
import { type CliIo, paint } from "../io.js";
import { BUILTIN_CATALOG, type CliCatalog } from "../plugins.js";

const OUTCOMES = {
  ok: "ok",
  "auth-failed": "auth failed",
  unreachable: "unreachable",
  failed: "failed",
} as const;

/** Adds `weft connection test <name>`: one tiny request through a stored connection. */
export function registerConnectionTest(
  connection: Command,
  io: CliIo,
  setExit: (code: number) => void,
  catalog: CliCatalog = BUILTIN_CATALOG,
): void {
  connection
    .command("test")
    .description(
      "Send one tiny request through a stored connection and report ok, auth failed or unreachable",
    )
    .argument("<name>")
    .option(
      "--model <model>",
      "model or deployment to ask (default: the deployment in the URL, else gpt-4o-mini)",
    )
    .option("--json", "print the result as JSON")
    .action(async (name: string, options: { model?: string; json?: boolean }) => {
      const store = openConnectionStore({ env: io.env, connectionKinds: catalog.connectionKinds });
      const stored = await store.get(name);
      if (!stored) throw unknownConnectionError(name, await store.list());
      const kind = store.kinds.get(stored.type);
      if (kind?.test === undefined) {
        throw new FlowError("connection.invalid", `${stored.type} connections have no endpoint to test`);
      }
      const result = await kind.test(stored, options.model ? { model: options.model } : {});
      if (options.json) {
        io.stdout(`${JSON.stringify({ name, ...result }, null, 2)}\n`);
      } else {
        const mark = result.outcome === "ok" ? paint(io, "green", "✓") : paint(io, "red", "✗");
        const model = result.model ? `, model ${result.model}` : "";
        const detail = result.message ? `: ${result.message}` : "";
        io.stdout(
          `${mark} ${name}: ${OUTCOMES[result.outcome]} (${result.kind} at ${result.host}${model})${detail}\n`,
        );
      }
      setExit(result.outcome === "ok" ? EXIT_OK : EXIT_RUN_FAILED);
    });
}
