/** A chat message as sent to the service. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The request body, in the wire format both SDKs send (snake_case). */
export interface ChatRequestBody {
  model?: string;
  messages: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string | string[];
  response_format?: { type: "json_object" | "text" };
}
