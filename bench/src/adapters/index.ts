import { type Adapter, AdapterUnavailableError } from "./adapter.js";

/** Every adapter, in the order tables list them. */
export const adapterNames = ["floor", "p-graph", "rivet", "langgraph", "weft"] as const;
export type AdapterName = (typeof adapterNames)[number];

/**
 * Imports one adapter on demand, so a process that measures one library loads only that library
 * (which is what peak RSS should show). A Weft package that does not build or load yet makes the
 * Weft adapter unavailable instead of failing the suite.
 */
export async function loadAdapter(name: AdapterName): Promise<Adapter> {
  switch (name) {
    case "floor":
      return (await import("./floor.js")).floorAdapter;
    case "p-graph":
      return (await import("./p-graph.js")).pGraphAdapter;
    case "rivet":
      return (await import("./rivet.js")).rivetAdapter;
    case "langgraph":
      return (await import("./langgraph.js")).langGraphAdapter;
    case "weft":
      try {
        return (await import("./weft.js")).weftAdapter;
      } catch (error) {
        return unavailableAdapter(name, error);
      }
  }
}

function unavailableAdapter(name: string, error: unknown): Adapter {
  const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return {
    name,
    prepare() {
      throw new AdapterUnavailableError(`cannot load: ${reason}`);
    },
  };
}
