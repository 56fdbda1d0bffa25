import { flowJsonSchema } from "@weft/engine";
import { EXIT_OK } from "../cli-error.js";
import type { CliIo } from "../io.js";

/** `weft schema`: the flow file format as JSON Schema. */
export async function schemaCommand(io: CliIo): Promise<number> {
  io.stdout(`${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
  return EXIT_OK;
}
