import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type LlmServer, startLlmServer } from "@weft/testing";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";

/**
 * The README's embedding example, taken from the README itself so that the two cannot drift:
 * type-checked with the repository's compiler options, then run by plain Node against the offline
 * server, with only the names it takes from its surroundings (the flow text, the tenant, the
 * request and response, a logger) defined around it.
 */

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const FLOW = join(ROOT, "examples", "dynamic-connection", "dynamic-connection.flow.json");
const CUSTOMER_KEY = "customer-key-README-0b7e";
const SHARED_KEY = "shared-key-README-4c1d";

/** The first TypeScript block of the README that makes an engine. */
function embeddingSnippet(): string {
  const blocks = [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  const snippet = blocks.find((block) => block.includes("createEngine("));
  if (!snippet) throw new Error("README.md has no ```ts block that calls createEngine(");
  return snippet;
}

/** What the snippet uses without defining it, as an app would have it. */
const PRELUDE = `
const flowJsonText: string = process.env.README_FLOW_TEXT ?? "";
const tenant = { key: process.env.README_TENANT_KEY ?? "", endpoint: process.env.README_TENANT_ENDPOINT ?? "" };
const request = { signal: new AbortController().signal };
const streamed: string[] = [];
const response = { write: (text: string) => { streamed.push(text); } };
const warnings: string[] = [];
const log = { warn: (message: string) => { warnings.push(message); } };
`;

/** Hands what the run gave back to the test. */
const EPILOGUE = `
process.stdout.write(JSON.stringify({ result, streamed, warnings }));
`;

const SOURCE = `${PRELUDE}\n${embeddingSnippet()}\n${EPILOGUE}`;

/** The compiler's complaints about `source`, and the files it read to check it. */
function typeCheck(source: string): { errors: string[]; files: string[] } {
  const file = join(ROOT, "test", "readme-embedding.snippet.ts");
  const config = ts.readConfigFile(join(ROOT, "tsconfig.base.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const compilerOptions = {
    ...options,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
  };
  const host = ts.createCompilerHost(compilerOptions);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], compilerOptions, host);
  return {
    errors: ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")),
    files: program.getSourceFiles().map((sourceFile) => sourceFile.fileName),
  };
}

/** The snippet as JavaScript, its package imports pointed at the built packages (what an app gets). */
function runnableScript(source: string): string {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
  });
  return outputText.replace(/from "@weft\/([a-z-]+)"/g, (_, name: string) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "packages", name, "package.json"), "utf8")) as {
      exports: { ".": { default: string } };
    };
    const built = join(ROOT, "packages", name, manifest.exports["."].default);
    return `from ${JSON.stringify(pathToFileURL(built).href)}`;
  });
}

function runNode(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script],
      { env: { PATH: process.env.PATH ?? "", ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("the README's embedding example", () => {
  let server: LlmServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startLlmServer({ keys: { customer: CUSTOMER_KEY, shared: SHARED_KEY } });
    scratch = mkdtempSync(join(tmpdir(), "weft-readme-"));
  });
  afterAll(async () => {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("type-checks with the repository's compiler options, against the packages' real types", () => {
    const { errors, files } = typeCheck(SOURCE);
    expect(errors).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        join(ROOT, "packages/engine/dist/index.d.ts"),
        join(ROOT, "packages/nodes/dist/index.d.ts"),
      ]),
    );
  });

  it("runs: the customer's own connection answers, streaming its tokens, and no key shows", async () => {
    const script = join(scratch, "embedding.mjs");
    writeFileSync(script, runnableScript(SOURCE));
    const { code, stdout, stderr } = await runNode(script, {
      README_FLOW_TEXT: readFileSync(FLOW, "utf8"),
      README_TENANT_KEY: CUSTOMER_KEY,
      README_TENANT_ENDPOINT: `${server.url}/models`,
      SHARED_KEY,
    });

    expect(code, stderr).toBe(0);
    const { result, streamed } = JSON.parse(stdout) as {
      result: { status: string; outputs: Record<string, unknown> };
      streamed: string[];
    };
    expect(result.status, stdout).toBe("succeeded");
    expect(typeof result.outputs.answer).toBe("string");
    // `stream: true` makes the chat node stream: the tokens written as they came make the answer.
    expect(streamed.length).toBeGreaterThan(1);
    expect(streamed.join("")).toBe(result.outputs.answer);
    expect(result.outputs.connection).toMatchObject({ source: "dynamic", kind: "foundry-models" });
    expect(server.requests).toMatchObject([{ keyName: "customer", status: 200 }]);
    expect(stdout + stderr).not.toContain(CUSTOMER_KEY);
    expect(stdout + stderr).not.toContain(SHARED_KEY);
  });
});
