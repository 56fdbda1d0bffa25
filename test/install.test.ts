/**
 * What a user does with the published packages, in temporary folders outside the repository:
 * `pnpm pack` each package, `npm install` the tarballs into a fresh app, type-check and run the
 * README's embedding example against `weft mock-llm` started from the installed CLI, and install the
 * CLI globally (in a temporary prefix) to run `weft demo` and `weft init` from an unrelated folder.
 * npm reaches the registry for third-party dependencies, through its usual cache.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, tempHome } from "./support/cli.js";
import { type CommandResult, pnpmCommand, runCommand, userEnv } from "./support/commands.js";

const PACKAGES = ["engine", "nodes", "store", "cli", "testing"] as const;
const INSTALL_TIMEOUT_MS = 240_000;

const npm = await runCommand("npm", ["--version"], { cwd: tmpdir(), timeoutMs: 30_000 });
if (npm.code !== 0) console.warn(`install test skipped: npm is not available (${npm.stderr.trim()})`);

/** Fails with the command's output when it did not exit 0. */
function expectSuccess(result: CommandResult, what: string): CommandResult {
  if (result.code !== 0) {
    throw new Error(`${what} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`.trim());
  }
  return result;
}

/** The code block of the README that holds `marker`, in a given language. */
function readmeBlock(language: string, marker: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))]
    .map((match) => match[1]!)
    .find((code) => code.includes(marker));
  if (!block) throw new Error(`README.md has no \`\`\`${language} block with ${marker}`);
  return block;
}

/** Every file under a folder, by path relative to it. */
function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)));
}

/** Every string value in a package.json `exports` or `bin` field. */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(targets);
  return [];
}

describe.skipIf(npm.code !== 0)("the packed packages, installed with npm outside the repository", () => {
  const work = mkdtempSync(join(tmpdir(), "weft-install-test-"));
  const tarballs = join(work, "tarballs");
  const app = join(work, "app");
  const prefix = join(work, "global");
  const elsewhere = join(work, "elsewhere");
  const timings: string[] = [];
  const timed = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await step();
    } finally {
      timings.push(`${what} ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }
  };
  const tarball = (name: string) => {
    const file = readdirSync(tarballs).find((entry) => entry.startsWith(`weft-${name}-`));
    if (!file) throw new Error(`no tarball for @weft/${name} in ${tarballs}`);
    return join(tarballs, file);
  };

  beforeAll(async () => {
    const pnpm = pnpmCommand();
    const pack = [...pnpm.args, "-r", "--filter", "./packages/*", "pack", "--pack-destination", tarballs];
    await timed("pnpm pack", async () =>
      expectSuccess(await runCommand(pnpm.command, pack, { cwd: ROOT }), "pnpm pack"),
    );
    mkdirSync(app);
    mkdirSync(elsewhere);
    expectSuccess(await runCommand("npm", ["init", "-y"], { cwd: app }), "npm init");
    const install = ["install", "--no-audit", "--no-fund", "--prefer-offline", ...PACKAGES.map(tarball)];
    await timed("npm install", async () =>
      expectSuccess(await runCommand("npm", install, { cwd: app, timeoutMs: 180_000 }), "npm install"),
    );
  }, INSTALL_TIMEOUT_MS);

  afterAll(() => console.info(`install test: ${timings.join(", ")}`));

  it.each(PACKAGES)(
    "@weft/%s installs with its types, only built files, and no workspace protocol",
    (name) => {
      const folder = join(app, "node_modules", "@weft", name);
      const text = readFileSync(join(folder, "package.json"), "utf8");
      expect(text).not.toContain("workspace:");
      const manifest = JSON.parse(text);
      expect(JSON.stringify(manifest.exports)).not.toContain('"source"');
      for (const target of ["exports", "bin", "main", "types"].flatMap((field) => targets(manifest[field]))) {
        expect(existsSync(join(folder, target)), `${name}: ${target}`).toBe(true);
      }
      if (name === "cli") {
        const licences = readFileSync(join(folder, "bundle", "THIRD-PARTY-LICENSES.txt"), "utf8");
        expect(licences).toMatch(/^openai@\S+ \(Apache-2\.0\)$/m);
      } else {
        expect(Object.keys(manifest.exports["."])[0]).toBe("types");
        expect(existsSync(join(folder, manifest.exports["."].types))).toBe(true);
      }
      const unwanted = filesUnder(folder).filter((file) =>
        /(^|\/)(src|node_modules|test-support)\/|\.test\.|\.test-helper\.|\.map$|tsbuildinfo$/.test(file),
      );
      expect(unwanted).toEqual([]);
    },
  );

  it(
    "runs the README's embedding example, type-checked against the installed types, against weft mock-llm",
    async () => {
      const mockLlm = spawn(
        join(app, "node_modules", ".bin", "weft"),
        ["mock-llm", "--key", "tenant=tenant-key-1", "--key", "shared=shared-key-1"],
        { cwd: app, env: userEnv() },
      );
      let serverLog = "";
      mockLlm.stderr.on("data", (chunk) => {
        serverLog += chunk;
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let stdout = "";
          mockLlm.stdout.on("data", (chunk) => {
            stdout += chunk;
            const match = stdout.match(/listening on (http:\/\/\S+)/);
            if (match) resolve(match[1]!);
          });
          mockLlm.on("exit", (code) => reject(new Error(`weft mock-llm exited with ${code}: ${serverLog}`)));
        });

        // The README's flow and embedding code, as they are; the prelude supplies what the snippet
        // leaves to the app (the flow's text, a tenant, a request, a response, a logger).
        writeFileSync(join(app, "flow.json"), readmeBlock("json", '"dynamicConnection"'));
        const prelude = [
          'import { readFileSync } from "node:fs";',
          'const flowJsonText = readFileSync("flow.json", "utf8");',
          "const tenant = { key: process.env.TENANT_KEY!, endpoint: process.env.TENANT_ENDPOINT! };",
          "const request = { signal: AbortSignal.timeout(60_000) };",
          "const response = { write: (text: string) => process.stderr.write(text) };",
          "const log = { warn: (message: string) => console.error(message) };",
        ].join("\n");
        const embedding = readmeBlock("ts", "createEngine(");
        writeFileSync(
          join(app, "embed.mts"),
          `${prelude}\n\n${embedding}\nconsole.log(JSON.stringify(result));\n`,
        );
        writeFileSync(
          join(app, "tsconfig.json"),
          JSON.stringify({
            compilerOptions: {
              target: "ES2023",
              lib: ["ES2023"],
              module: "NodeNext",
              moduleResolution: "NodeNext",
              strict: true,
              skipLibCheck: true,
              types: ["node"],
              typeRoots: [join(ROOT, "node_modules", "@types")],
              outDir: "dist",
            },
            files: ["embed.mts"],
          }),
        );
        const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
        await timed("tsc", async () =>
          expectSuccess(await runCommand(process.execPath, [tsc, "-p", "."], { cwd: app }), "tsc"),
        );

        const run = await runCommand(process.execPath, ["dist/embed.mjs"], {
          cwd: app,
          env: userEnv({
            SHARED_KEY: "shared-key-1",
            TENANT_KEY: "tenant-key-1",
            TENANT_ENDPOINT: `${url}/models`,
          }),
        });
        expectSuccess(run, "the embedding example");
        const result = JSON.parse(run.stdout);
        expect(result.status).toBe("succeeded");
        expect(result.outputs.answer).toContain("Hi");
        expect(run.stderr, "the streamed tokens").toContain(result.outputs.answer);
        expect(result.nodes.answer.output.connection).toMatchObject({ source: "dynamic" });
        expect(serverLog).toMatch(/^POST \/models\/chat\/completions 200 key=tenant /m);
        expect(serverLog).not.toContain("key=shared");
      } finally {
        mockLlm.kill("SIGINT");
      }
    },
    INSTALL_TIMEOUT_MS,
  );

  it(
    "installs the CLI globally, and weft demo and weft init run from an unrelated folder",
    async () => {
      const env = userEnv({ npm_config_prefix: prefix, WEFT_HOME: tempHome() });
      await timed("npm install -g", async () =>
        expectSuccess(
          await runCommand("npm", ["install", "-g", "--no-audit", "--no-fund", tarball("cli")], {
            cwd: elsewhere,
            env,
          }),
          "npm install -g",
        ),
      );
      const weft = join(prefix, "bin", "weft");
      const cliManifest = JSON.parse(readFileSync(join(ROOT, "packages", "cli", "package.json"), "utf8"));
      const version = expectSuccess(
        await runCommand(weft, ["--version"], { cwd: elsewhere, env }),
        "weft -V",
      );
      expect(version.stdout.trim()).toBe(cliManifest.version);

      const demo = await timed("weft demo", async () =>
        expectSuccess(await runCommand(weft, ["demo"], { cwd: elsewhere, env }), "weft demo"),
      );
      expect(demo.stderr).toContain('The static connection "shared-foundry" was never used');

      expectSuccess(await runCommand(weft, ["init", "project"], { cwd: elsewhere, env }), "weft init");
      const validate = await runCommand(weft, ["validate", "hello.flow.json"], {
        cwd: join(elsewhere, "project"),
        env,
      });
      expectSuccess(validate, "weft validate");
    },
    INSTALL_TIMEOUT_MS,
  );
});
