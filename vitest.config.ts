import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts", "bench/**/*.test.ts"],
    // Most test files wait on processes and sockets (CLI runs, servers, Redis), not on the CPU: two
    // files at once even on a 2-core machine, where vitest's default (cores − 1) runs them one by one.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A timeout catches a hang, not slowness: many tests start several CLI processes one after
    // another, and a shared 2-core machine running two test files at once can take 3–4 times as
    // long as a quiet one.
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
