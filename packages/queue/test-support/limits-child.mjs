// A separate process sharing connection limits through Redis, for the limits tests. Reads its
// orders as JSON from WEFT_LIMITS_CHILD (the keys never go on the command line):
// - { mode: "runs", redisUrl, prefix, flows: { name: flow }, runs: [{ flow, inputs }] }: runs them
//   all at once on one engine and prints their statuses as one JSON line.
// - { mode: "hold", redisUrl, prefix, identity, leaseMs }: takes one slot of maxConcurrency 1,
//   prints "held" and waits to be killed.
import { createEngine } from "@weft/engine";
import { builtinConnectionKinds, builtinNodeTypes } from "@weft/nodes";
import { createRedisConnectionLimits } from "@weft/queue";

const orders = JSON.parse(process.env.WEFT_LIMITS_CHILD ?? "{}");
const limits = createRedisConnectionLimits(orders.redisUrl, {
  prefix: orders.prefix,
  ...(orders.leaseMs ? { leaseMs: orders.leaseMs } : {}),
});

if (orders.mode === "hold") {
  await limits.acquire(orders.identity, { maxConcurrency: 1, windowMs: 60_000 });
  process.stdout.write("held\n");
  setInterval(() => {}, 60_000);
} else {
  const engine = createEngine({
    nodeTypes: builtinNodeTypes,
    connectionKinds: builtinConnectionKinds,
    sharedLimits: limits,
  });
  const results = await Promise.all(
    orders.runs.map((run) => engine.run(orders.flows[run.flow], { inputs: run.inputs }).result),
  );
  process.stdout.write(`${JSON.stringify(results.map((result) => result.status))}\n`);
  await limits.close();
}
