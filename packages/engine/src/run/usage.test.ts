import { describe, expect, it } from "vitest";
import { FlowError } from "../errors/flow-error.js";
import { costOf, findPrice, parsePrices } from "./prices.js";
import { addRunUsage, addUsage, emptyRunUsage, emptyUsage, type Usage } from "./usage.js";

const reported = (prompt: number, completion: number): Usage => ({
  requests: 1,
  promptTokens: prompt,
  completionTokens: completion,
  totalTokens: prompt + completion,
  reported: true,
  unreportedRequests: 0,
});
const unreported = (): Usage => ({
  requests: 1,
  promptTokens: null,
  completionTokens: null,
  totalTokens: null,
  reported: false,
  unreportedRequests: 1,
});

describe("addUsage", () => {
  it("keeps 'not reported' apart from zero", () => {
    const none = addUsage(emptyUsage(), unreported());
    expect(none).toEqual(unreported());
    const some = addUsage(none, reported(3, 2));
    expect(some).toEqual({
      requests: 2,
      promptTokens: 3,
      completionTokens: 2,
      totalTokens: 5,
      reported: false,
      unreportedRequests: 1,
    });
    expect(addUsage(emptyUsage(), emptyUsage())).toEqual(emptyUsage());
  });

  it("adds costs in one currency, null while nothing could be priced", () => {
    const priced = { ...reported(1000, 0), cost: 0.5, currency: "EUR", unpricedRequests: 0 };
    const unpriced = { ...reported(10, 0), cost: null, currency: "EUR", unpricedRequests: 1 };
    const total = addUsage(addUsage(emptyUsage(), unpriced), priced);
    expect(addUsage(emptyUsage(), unpriced).cost).toBeNull();
    expect(total).toMatchObject({ cost: 0.5, currency: "EUR", unpricedRequests: 1, requests: 2 });
    expect(() => addUsage(total, { ...priced, currency: "USD" })).toThrow(
      "Expected costs in one currency, got EUR and USD",
    );
  });

  it("adds runs connection by connection, own keys only", () => {
    const run = emptyRunUsage();
    addUsage(run, reported(1, 1));
    Object.defineProperty(run.byConnection, "__proto__", { value: reported(1, 1), enumerable: true });
    const total = addRunUsage(addRunUsage(emptyRunUsage(), run), run);
    expect(total.requests).toBe(2);
    expect(Object.getOwnPropertyDescriptor(total.byConnection, "__proto__")?.value).toMatchObject({
      requests: 2,
      totalTokens: 4,
    });
    expect(Object.getPrototypeOf(total.byConnection)).toBe(Object.prototype);
  });
});

describe("parsePrices", () => {
  it("reads a prices file into prices by name, and prices tokens per million", () => {
    const prices = parsePrices(
      JSON.parse(
        '{"currency":"USD","models":{"gpt-4o-mini":{"input":0.15,"output":0.6},"__proto__":{"input":1,"output":2}}}',
      ),
    );
    expect(findPrice(prices, ["__proto__"])).toEqual({ input: 1, output: 2 });
    expect(findPrice(prices, ["toString"])).toBeUndefined();
    expect(prices.currency).toBe("USD");
    const price = findPrice(prices, [undefined, "nope", "gpt-4o-mini"]);
    expect(price).toEqual({ input: 0.15, output: 0.6 });
    expect(costOf(price!, 2_000_000, 1_000_000)).toBeCloseTo(0.9, 10);
    expect(parsePrices(prices)).toBe(prices);
  });

  it.each([
    [[], 'prices.json: expected an object with "currency" and "models", got an array'],
    [{ models: {} }, "prices.json: currency: "],
    [{ currency: "USD", models: {}, extra: 1 }, "prices.json: "],
    [{ currency: "USD", models: { m: { input: -1, output: 1 } } }, 'prices.json: models["m"].input: '],
    [{ currency: "USD", models: { m: { input: 1 } } }, 'prices.json: models["m"].output: '],
    [{ currency: "USD", models: { m: { input: 1, output: 1, cached: 1 } } }, 'prices.json: models["m"]: '],
    [
      { currency: "USD", models: { "": { input: 1, output: 1 } } },
      'prices.json: models[""]: expected a model',
    ],
  ])("refuses %j with the field that is wrong", (value, message) => {
    let error: unknown;
    try {
      parsePrices(value, "prices.json");
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(FlowError);
    expect((error as FlowError).code).toBe("prices.invalid");
    expect((error as FlowError).message.startsWith(message)).toBe(true);
  });
});
