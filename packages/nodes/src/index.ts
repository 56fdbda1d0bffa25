import type { AnyNodeType } from "@weft/engine";
import { type ChatCompletionOutput, chatCompletion } from "./chat-completion/chat-completion.js";
import { type ConnectionTestResult, testConnection } from "./chat-completion/test-connection.js";
import { createAzureAiConnection } from "./create-azure-ai-connection/create-azure-ai-connection.js";
import { declareVariable } from "./declare-variable/declare-variable.js";

export {
  type ChatCompletionOutput,
  type ConnectionTestResult,
  chatCompletion,
  createAzureAiConnection,
  declareVariable,
  testConnection,
};

/** Every built-in node type, for `createEngine({ nodeTypes: builtinNodeTypes })`. */
export const builtinNodeTypes: readonly AnyNodeType[] = [
  declareVariable,
  createAzureAiConnection,
  chatCompletion,
];
