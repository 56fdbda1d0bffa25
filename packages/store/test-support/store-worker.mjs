// A separate process writing to a connection store, for the multi-process tests. It uses the
// built store and node kinds (packages/store/dist, packages/nodes/dist), as another `weft` command would.
//
//   node store-worker.mjs create <home> <prefix> <count> <startAtMs>
//     waits until startAtMs, then creates <prefix>-0 … <prefix>-<count-1>, one write each.
//   node store-worker.mjs churn <home> <names>
//     rewrites connections forever, printing one line per finished write.
import { builtinConnectionKinds } from "@weft/nodes";
import { openConnectionStore } from "../dist/index.js";

const [mode, home, ...rest] = process.argv.slice(2);
const store = openConnectionStore({ home, env: {}, connectionKinds: builtinConnectionKinds });

if (mode === "create") {
  const [prefix, count, startAt] = rest;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  for (let index = 0; index < Number(count); index++) {
    const name = `${prefix}-${index}`;
    await store.create(name, { type: "openai", apiKey: `test-key-${name}` });
  }
  process.stdout.write("done\n");
} else if (mode === "churn") {
  const names = Number(rest[0]);
  for (let write = 0; ; write++) {
    const name = `big-${write % names}`;
    await store.update(name, { apiKey: `test-key-${name}-${write}` });
    process.stdout.write(`${write}\n`);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
