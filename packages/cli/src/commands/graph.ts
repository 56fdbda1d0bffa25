import { type GraphFormat, renderGraph } from "@weft/engine";
import { EXIT_OK } from "../cli-error.js";
import { createCliEngine } from "../create-engine.js";
import { loadFlowFile } from "../flow-file.js";
import type { CliIo } from "../io.js";
import type { CliCatalog } from "../plugins.js";

/** `weft graph <flow>`: the DAG as Mermaid or Graphviz source. */
export async function graphCommand(
  file: string,
  options: { format: GraphFormat },
  io: CliIo,
  catalog: CliCatalog,
): Promise<number> {
  const flow = await loadFlowFile(createCliEngine(catalog), file);
  io.stdout(renderGraph(flow, options.format));
  return EXIT_OK;
}
