import { createHash } from "node:crypto";
import { countWords } from "../replies.js";
import type { EmbeddingsRequestInfo } from "../types.js";

/** Length of a derived vector when the request gives no `dimensions`. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

/** Most `dimensions` the server derives a vector for; a larger request gets a 400, as a model's limit would give. */
export const MAX_EMBEDDING_DIMENSIONS = 4096;

/**
 * The vector of a text: SHA-256 of the text and the component's index, read as numbers in
 * [-1, 1), then scaled to length 1. Each component is a 32-bit float, so floats and base64 carry
 * the same numbers. The same text gives the same vector on every run, different texts different
 * ones, and a prefix of dimensions is not a shorter vector's prefix (each length is scaled alone).
 */
export function offlineEmbedding(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): number[] {
  const raw: number[] = [];
  for (let block = 0; raw.length < dimensions; block++) {
    const digest = createHash("sha256").update(`${block}\0${text}`, "utf8").digest();
    for (let offset = 0; offset + 4 <= digest.length && raw.length < dimensions; offset += 4) {
      raw.push(digest.readUInt32BE(offset) / 2 ** 31 - 1);
    }
  }
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0)) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

/** Little-endian 32-bit floats in base64, as `encoding_format: "base64"` asks. */
export function encodeVector(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  for (const [index, value] of vector.entries()) buffer.writeFloatLE(value, index * 4);
  return buffer.toString("base64");
}

/** Prompt tokens: the words of every input (at least one per input), as the chat replies count them. */
export function embeddingsUsage(request: EmbeddingsRequestInfo): {
  prompt_tokens: number;
  total_tokens: number;
} {
  const tokens = request.input.reduce((sum, text) => sum + Math.max(1, countWords(text)), 0);
  return { prompt_tokens: tokens, total_tokens: tokens };
}

/** The services' embeddings list, each vector as floats or base64 as the request asked. */
export function buildEmbeddingsBody(
  request: EmbeddingsRequestInfo,
  vectors: readonly (readonly number[])[],
): Record<string, unknown> {
  return {
    object: "list",
    data: vectors.map((vector, index) => ({
      object: "embedding",
      index,
      embedding: request.encodingFormat === "base64" ? encodeVector(vector) : [...vector],
    })),
    model: request.modelOrDeployment,
    usage: embeddingsUsage(request),
  };
}
