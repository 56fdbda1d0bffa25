import { FlowError } from "../errors/flow-error.js";
import type { AnyNodeType } from "./define-node-type.js";

/** The node types an engine knows, by `type`. Built from a plain array; never global. */
export class NodeTypeRegistry {
  readonly #types = new Map<string, AnyNodeType>();

  constructor(nodeTypes: readonly AnyNodeType[]) {
    for (const nodeType of nodeTypes) {
      if (this.#types.has(nodeType.type)) {
        throw new FlowError("engine.duplicate-node-type", `node type "${nodeType.type}" is registered twice`);
      }
      this.#types.set(nodeType.type, nodeType);
    }
  }

  /** The node type of this name, or `undefined`. */
  get(type: string): AnyNodeType | undefined {
    return this.#types.get(type);
  }

  /** The registered type names, sorted, for "known types are ..." messages. */
  names(): string[] {
    return [...this.#types.keys()].sort();
  }
}
