import { describe, expect, it } from "vitest";
import { z } from "zod";
import { deferred, recordEvents } from "../../test-support/run-harness.js";
import { defineConnectionKind, secretField } from "../connection-kind/define-connection-kind.js";
import { InMemoryConnectionProvider } from "../connection-kind/provider.js";
import { createEngine } from "../engine.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";

/** A kind nobody built in: a JSON service with an API key. */
const weatherKind = defineConnectionKind({
  type: "weather",
  description: "A weather service.",
  fields: z.object({ url: z.string(), apiKey: secretField() }),
  label: (connection) => new URL(connection.url).host,
  identity: (connection) => [connection.url],
});

const WEATHER_KEY = "weather-key-SHOULD-NOT-LEAK";
const TENANT_KEY = "tenant-key-SHOULD-NOT-LEAK";

/** Calls its connection through `call`, holding the request open until the test says so. */
function weatherNode(gates: Map<string, Promise<void>>, inFlight: { now: number; max: number }) {
  return defineNodeType({
    type: "forecast",
    description: "Asks the weather service.",
    input: z.object({}),
    usesConnection: true,
    async run(_input, context) {
      const service = await context.connection();
      // Only the shared static connection is counted: the tenant's own has no limit.
      const counted = service.source === "static";
      const answer = await service.call(async (signal) => {
        if (counted) inFlight.now++;
        inFlight.max = Math.max(inFlight.max, inFlight.now);
        try {
          await gates.get(context.nodeId);
          return { sunny: !signal.aborted };
        } finally {
          if (counted) inFlight.now--;
        }
      });
      service.reportUsage({ promptTokens: 1, completionTokens: 0, totalTokens: 1 });
      return {
        ...answer,
        source: service.source,
        label: service.label,
        key: (service.connection.apiKey as Secret).reveal(),
      };
    },
  });
}

/** Builds a weather connection in the flow, as a customer's own. */
const makeWeather = defineNodeType({
  type: "make-weather",
  description: "Builds a weather connection.",
  input: z.object({ key: z.instanceof(Secret), name: z.string() }),
  writes: { input: "name" },
  run: (input, context) => ({
    type: "weather",
    url: "https://tenant.example.com/v1",
    apiKey: context.secret(input.key),
  }),
});

const ticks = async (count: number) => {
  for (let tick = 0; tick < count; tick++) await new Promise((resolve) => setImmediate(resolve));
};

describe("ServiceConnection", () => {
  it("gives a kind nobody built in the override rule, its maxConcurrency and usage, and scrubs its keys", async () => {
    const gates = new Map<string, Promise<void>>();
    const inFlight = { now: 0, max: 0 };
    const first = deferred();
    gates.set("a", first.promise);
    const engine = createEngine({
      nodeTypes: [weatherNode(gates, inFlight), makeWeather],
      connectionKinds: [weatherKind],
      // An app may give its keys as plain strings: they are wrapped and scrubbed.
      connections: new InMemoryConnectionProvider({
        forecasts: {
          type: "weather",
          url: "https://weather.example.com/v1",
          apiKey: WEATHER_KEY,
          maxConcurrency: 1,
        },
      }),
    });
    const handle = engine.run(
      {
        inputs: { tenantKey: { type: "secret" } },
        nodes: [
          { id: "a", type: "forecast", connection: "forecasts" },
          { id: "b", type: "forecast", connection: "forecasts" },
          { id: "tenant", type: "make-weather", inputs: { key: "${inputs.tenantKey}", name: "tenant" } },
          { id: "c", type: "forecast", connection: "forecasts", dynamicConnection: "${vars.tenant}" },
        ],
      },
      { inputs: { tenantKey: TENANT_KEY } },
    );
    const events = recordEvents(handle);
    // Both static nodes have had every chance to start their request: only one may be in flight.
    while (inFlight.now === 0) await ticks(1);
    await ticks(20);
    expect(inFlight.now).toBe(1);
    first.resolve();
    const result = await handle;

    expect(result.status).toBe("succeeded");
    expect(inFlight.max).toBe(1);
    expect(result.nodes.a?.output).toEqual({
      sunny: true,
      source: "static",
      label: "weather.example.com",
      key: "***",
    });
    expect(result.nodes.c?.output).toMatchObject({ source: "dynamic", label: "tenant.example.com" });
    const labels = Object.keys(result.usage.byConnection).sort();
    expect(labels).toEqual(["forecasts", expect.stringMatching(/^tenant\.example\.com#key-[0-9a-f]{8}$/)]);
    const usage = (requests: number, tokens: number) => ({
      requests,
      promptTokens: tokens,
      completionTokens: 0,
      totalTokens: tokens,
      reported: true,
      unreportedRequests: 0,
    });
    expect(result.usage.byConnection.forecasts).toEqual(usage(2, 2));
    expect(result.usage.byConnection[labels[1]!]).toEqual(usage(1, 1));
    const everything = JSON.stringify({ result, events });
    expect(everything).not.toContain(WEATHER_KEY);
    expect(everything).not.toContain(TENANT_KEY);
  });
});
