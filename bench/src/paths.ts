import { fileURLToPath } from "node:url";

/** The repository root, from `bench/src` (tests) and `bench/dist` (the built suite) alike. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
