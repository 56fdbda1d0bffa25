import { bindNodeTypes, flowJsonSchema } from "@weft/engine";
import { EXIT_OK } from "../cli-error.js";
import type { CliIo } from "../io.js";
import type { CliCatalog } from "../plugins.js";

/** `weft schema`: the flow file format as JSON Schema, with each node type's inputs (plug-ins' too). */
export async function schemaCommand(io: CliIo, catalog: CliCatalog): Promise<number> {
  const nodeTypes = bindNodeTypes(catalog.nodeTypes, catalog.connectionKinds);
  io.stdout(`${JSON.stringify(flowJsonSchema(nodeTypes), null, 2)}\n`);
  return EXIT_OK;
}
