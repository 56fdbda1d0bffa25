import type { AnyNodeType } from "@weft/engine";
import { declareVariable } from "./declare-variable/declare-variable.js";

export { declareVariable };

/** Every built-in node type, for `createEngine({ nodeTypes: builtinNodeTypes })`. */
export const builtinNodeTypes: readonly AnyNodeType[] = [declareVariable];
