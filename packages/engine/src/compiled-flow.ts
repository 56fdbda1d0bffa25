import type { Flow } from "./flow/schema.js";
import { type CompiledFlow as Compiled, isCompiledFlow } from "./graph/compile-flow.js";

/**
 * A flow that `engine.compile()` validated and compiled, to run (or draw) many times without
 * compiling it again. How it is compiled is the engine's own business: only the flow shows.
 */
export interface CompiledFlow {
  /** The flow as validated, defaults applied. */
  readonly flow: Flow;
}

/** The engine's view of a flow `engine.compile()` gave; throws for any other value. */
export function compiledOf(flow: CompiledFlow): Compiled {
  if (isCompiledFlow(flow)) return flow;
  throw new TypeError("Expected a flow compiled by `engine.compile()`, got an object it did not make");
}
