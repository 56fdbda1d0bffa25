import { z } from "zod";
import { describeValue, FlowError } from "../errors/flow-error.js";
import { MAX_PRICED_MODELS } from "../limits.js";

/** The price of one model or deployment, per million tokens. */
export interface ModelPrice {
  /** Per million prompt (input) tokens. */
  input: number;
  /** Per million completion (output) tokens. */
  output: number;
}

/**
 * Prices to turn tokens into cost (`createEngine({ prices })`, `weft run --prices prices.json`):
 * one currency, and per model or deployment name the price of a million input and output tokens.
 * Weft ships none: prices change, and every contract has its own.
 */
export interface Prices {
  /** A currency code or symbol, shown beside every cost (`USD`, `EUR`). */
  currency: string;
  /** By model or deployment name, as a node reports it (the deployment first, then the model). */
  models: ReadonlyMap<string, ModelPrice>;
}

/** Prices as written in a file (JSON): `{ "currency": "USD", "models": { "<name>": { "input": 0.15, "output": 0.6 } } }`. */
export interface PricesFile {
  $schema?: string;
  currency: string;
  models: Record<string, ModelPrice>;
}

const priceSchema = z
  .object({
    input: z.number().finite().nonnegative().describe("Price of a million input (prompt) tokens."),
    output: z.number().finite().nonnegative().describe("Price of a million output (completion) tokens."),
  })
  .strict();

const headSchema = z
  .object({
    $schema: z.string().optional(),
    currency: z.string().trim().min(1).max(16).describe("The currency of every price (USD, EUR, …)."),
    models: z.record(z.string(), z.unknown()),
  })
  .strict();

/**
 * Checks prices as read from a file (or given by an app) and gives them ready for use; throws
 * `prices.invalid` naming the field (`models["gpt-4o"].input: expected a number …`) and `source`.
 */
export function parsePrices(value: unknown, source = "prices"): Prices {
  if (isPrices(value)) return value;
  const fail = (path: string, message: string) =>
    new FlowError("prices.invalid", `${source}: ${path ? `${path}: ` : ""}${message}`, {
      ...(path ? { path } : {}),
    });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw fail("", `expected an object with "currency" and "models", got ${describeValue(value)}`);
  }
  const head = headSchema.safeParse(value);
  if (!head.success) {
    const issue = head.error.issues[0]!;
    throw fail(issue.path.join("."), issue.message);
  }
  // Read from the value itself, not the parsed copy: names are user strings (`__proto__` too).
  const entries = Object.entries((value as { models: Record<string, unknown> }).models);
  if (entries.length > MAX_PRICED_MODELS) {
    throw fail("models", `expected at most ${MAX_PRICED_MODELS} models, got ${entries.length}`);
  }
  const models = new Map<string, ModelPrice>();
  for (const [name, entry] of entries) {
    const path = `models[${JSON.stringify(name)}]`;
    if (name.trim() === "") throw fail(path, "expected a model or deployment name, got an empty one");
    const price = priceSchema.safeParse(entry);
    if (!price.success) {
      const issue = price.error.issues[0]!;
      const at = issue.path.length ? `${path}.${issue.path.join(".")}` : path;
      throw fail(at, `${issue.message} (a price per million tokens: { "input": 0.15, "output": 0.6 })`);
    }
    models.set(name, price.data);
  }
  return { currency: head.data.currency, models };
}

function isPrices(value: unknown): value is Prices {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as { models?: unknown }).models instanceof Map &&
    typeof (value as { currency?: unknown }).currency === "string"
  );
}

/** The price of the first of `names` that has one. */
export function findPrice(prices: Prices, names: ReadonlyArray<string | undefined>): ModelPrice | undefined {
  for (const name of names) {
    if (name === undefined) continue;
    const price = prices.models.get(name);
    if (price) return price;
  }
  return undefined;
}

/** What `promptTokens` in and `completionTokens` out cost at `price` (per million). */
export function costOf(price: ModelPrice, promptTokens: number, completionTokens: number): number {
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}
