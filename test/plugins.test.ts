import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../examples/plugin/server.mjs";
import { BIN, ROOT, tempHome } from "./support/cli.js";
import { runCommand, userEnv } from "./support/commands.js";

/**
 * How the weft command loads plug-ins: `--plugin` (a path from the current folder, or a package
 * name), the nearest weft.config.{js,mjs} (paths from the config's folder), and one line naming
 * the module for anything wrong with one (exit 2). The modules are written to temporary folders
 * and import @weft/engine by file URL: a copy of the engine apart from the one the bundle carries.
 */
const ENGINE = pathToFileURL(join(ROOT, "packages", "engine", "dist", "index.js")).href;
const ZOD = pathToFileURL(join(ROOT, "examples", "plugin", "node_modules", "zod", "index.js")).href;
const EXAMPLE_PLUGIN = join(ROOT, "examples", "plugin", "json-service.mjs");

/** A plug-in with one node type, `name`, that echoes its `text` input. */
function echoPlugin(type: string): string {
  return `import { defineNodeType } from ${JSON.stringify(ENGINE)};
import { z } from ${JSON.stringify(ZOD)};
export default {
  nodeTypes: [
    defineNodeType({
      type: ${JSON.stringify(type)},
      description: "Echoes its text.",
      input: z.object({ text: z.string() }).strict(),
      run: (input) => ({ text: input.text }),
    }),
  ],
};
`;
}

function flowUsing(type: string): string {
  return JSON.stringify({
    nodes: [{ id: "echo", type, inputs: { text: "hi" } }],
    outputs: { text: "${nodes.echo.output.text}" },
  });
}

/** A folder with the given files (paths relative to it). */
function folderWith(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), "weft-plugins-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(folder, name, ".."), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
  return folder;
}

function weft(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return runCommand(process.execPath, [BIN, ...args], {
    cwd,
    env: userEnv({ WEFT_HOME: tempHome(), ...env }),
  });
}

describe("--plugin", () => {
  it("loads a module named by path (./ optional), before or after the command, with = or without", async () => {
    const folder = folderWith({
      "nodes/echo.mjs": echoPlugin("echo-text"),
      "f.flow.json": flowUsing("echo-text"),
    });
    for (const args of [
      ["run", "f.flow.json", "--plugin", "./nodes/echo.mjs"],
      ["--plugin", "./nodes/echo.mjs", "run", "f.flow.json"],
      ["run", "f.flow.json", "--plugin=nodes/echo.mjs"],
    ]) {
      const { code, stdout, stderr } = await weft(args, folder);
      expect(code, `${args.join(" ")}\n${stderr}`).toBe(0);
      expect(JSON.parse(stdout)).toEqual({ text: "hi" });
    }
    // Without it, the type is unknown.
    const without = await weft(["validate", "f.flow.json"], folder);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('unknown node type "echo-text"');
  });

  it("resolves a package name from the current folder", async () => {
    const folder = folderWith({
      "node_modules/weft-echo/package.json": JSON.stringify({
        name: "weft-echo",
        type: "module",
        exports: "./index.mjs",
      }),
      "node_modules/weft-echo/index.mjs": echoPlugin("echo-package"),
      "f.flow.json": flowUsing("echo-package"),
    });
    const { code, stdout, stderr } = await weft(["run", "f.flow.json", "--plugin", "weft-echo"], folder);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ text: "hi" });
  });

  it("is refused by commands that load no plug-ins", async () => {
    const { code, stderr } = await weft(
      ["init", "x", "--plugin", "./a.mjs"],
      mkdtempSync(join(tmpdir(), "w-")),
    );
    expect(code).toBe(2);
    expect(stderr).toBe(
      "error: --plugin: weft init loads no plug-ins (they are for run, batch, worker, validate, graph, schema, connection)\n",
    );
  });
});

describe("weft.config.mjs", () => {
  it("is found from a folder below it; its plug-ins are relative to it; --plugin adds more", async () => {
    const folder = folderWith({
      "weft.config.mjs": 'export default { plugins: ["./plugins/echo.mjs"] };\n',
      "plugins/echo.mjs": echoPlugin("echo-text"),
      "plugins/shout.mjs": echoPlugin("shout-text"),
      "flows/deep/f.flow.json": flowUsing("echo-text"),
      "flows/deep/g.flow.json": flowUsing("shout-text"),
    });
    const deep = join(folder, "flows", "deep");
    const run = await weft(["run", "f.flow.json"], deep);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ text: "hi" });
    const both = await weft(
      ["validate", "f.flow.json", "g.flow.json", "--plugin", "../../plugins/shout.mjs"],
      deep,
    );
    expect(both.code, both.stderr).toBe(0);
    // The same module from the config and from --plugin is loaded once, not refused as a duplicate.
    const twice = await weft(["validate", "f.flow.json", "--plugin", "../../plugins/echo.mjs"], deep);
    expect(twice.code, twice.stderr).toBe(0);
  });

  it("as weft init writes it (no plug-ins) changes nothing", async () => {
    const folder = mkdtempSync(join(tmpdir(), "weft-init-"));
    expect((await weft(["init"], folder)).code).toBe(0);
    const { code, stdout, stderr } = await weft(["validate", "hello.flow.json"], folder);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("✓ hello.flow.json");
  });
});

describe("a broken plug-in or config is one line naming it, exit 2", () => {
  const cases: Array<{ title: string; files: Record<string, string>; args: string[]; message: string }> = [
    {
      title: "a module that is not there",
      files: {},
      args: ["--plugin", "./missing.mjs"],
      message: "error: plug-in ./missing.mjs: cannot find the module <folder>/missing.mjs",
    },
    {
      title: "a package that is not installed",
      files: {},
      args: ["--plugin", "weft-nothing"],
      message:
        "error: plug-in weft-nothing: cannot find the package from <folder> (install it there, or name the module's file: ./path/to/module.mjs)",
    },
    {
      title: "a module that throws on import",
      files: { "p.mjs": 'throw new Error("cannot start: no licence");\n' },
      args: ["--plugin", "./p.mjs"],
      message: "error: plug-in ./p.mjs: cannot be loaded: cannot start: no licence",
    },
    {
      title: "a module that does not parse",
      files: { "p.mjs": "export default {\n" },
      args: ["--plugin", "./p.mjs"],
      message: "error: plug-in ./p.mjs: cannot be loaded: Unexpected end of input",
    },
    {
      title: "no default export",
      files: { "p.mjs": "export const nodeTypes = [];\n" },
      args: ["--plugin", "./p.mjs"],
      message:
        "error: plug-in ./p.mjs: expected a default export { nodeTypes?, connectionKinds? }, got no default export",
    },
    {
      title: "an unknown field",
      files: { "p.mjs": "export default { nodes: [] };\n" },
      args: ["--plugin", "./p.mjs"],
      message:
        'error: plug-in ./p.mjs: expected a default export { nodeTypes?, connectionKinds? }, got an unknown field "nodes"',
    },
    {
      title: "something that is no node type",
      files: { "p.mjs": 'export default { nodeTypes: [{ type: "x", description: "x" }] };\n' },
      args: ["--plugin", "./p.mjs"],
      message:
        "error: plug-in ./p.mjs: nodeTypes[0]: expected a node type (defineNodeType), missing input (a zod schema), run (a function)",
    },
    {
      title: "something that is no connection kind",
      files: { "p.mjs": 'export default { connectionKinds: "json-service" };\n' },
      args: ["--plugin", "./p.mjs"],
      message: 'error: plug-in ./p.mjs: connectionKinds: expected a list, got "json-service"',
    },
    {
      title: "a node type the built-ins have",
      files: { "p.mjs": echoPlugin("chat-completion") },
      args: ["--plugin", "./p.mjs"],
      message: 'error: plug-in ./p.mjs: node type "chat-completion" is built in',
    },
    {
      title: "a node type another plug-in has",
      files: { "a.mjs": echoPlugin("echo-text"), "b.mjs": echoPlugin("echo-text") },
      args: ["--plugin", "./a.mjs", "--plugin", "./b.mjs"],
      message: 'error: plug-in ./b.mjs: node type "echo-text" is defined by plug-in ./a.mjs',
    },
    {
      title: "a connection kind another plug-in has",
      files: {
        "again.mjs": `import example from ${JSON.stringify(pathToFileURL(EXAMPLE_PLUGIN).href)};
export default { connectionKinds: [{ ...example.connectionKinds[0] }] };
`,
      },
      args: ["--plugin", EXAMPLE_PLUGIN, "--plugin", "./again.mjs"],
      message: `error: plug-in ./again.mjs: connection kind "json-service" is defined by plug-in ${EXAMPLE_PLUGIN}`,
    },
    {
      title: "a config plug-in that is not there",
      files: { "weft.config.mjs": 'export default { plugins: ["./gone.mjs"] };\n' },
      args: [],
      message:
        "error: plug-in ./gone.mjs (listed in <folder>/weft.config.mjs): cannot find the module <folder>/gone.mjs",
    },
    {
      title: "a config with a setting weft does not know",
      files: { "weft.config.mjs": 'export default { plugin: ["./p.mjs"] };\n' },
      args: [],
      message: 'error: <folder>/weft.config.mjs: unknown setting "plugin" (known: plugins, prices)',
    },
    {
      title: "a config whose plugins are not strings",
      files: { "weft.config.mjs": "export default { plugins: [42] };\n" },
      args: [],
      message:
        "error: <folder>/weft.config.mjs: plugins: expected a list of module paths or package names (strings), got an array",
    },
  ];

  it.each(cases)("$title", async ({ files, args, message }) => {
    const folder = folderWith({ ...files, "f.flow.json": flowUsing("declare-variable") });
    for (const command of [["validate", "f.flow.json"], ["schema"], ["connection", "list"]]) {
      const { code, stdout, stderr } = await weft([...command, ...args], folder);
      expect(code, stderr).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toBe(`${message.replaceAll("<folder>", folder)}\n`);
    }
    const json = await weft(["validate", "f.flow.json", "--json", ...args], folder);
    const code = JSON.parse(json.stdout).error.code;
    expect(code).toBe(message.includes("weft.config.mjs:") ? "cli.config" : "cli.plugin");
  });
});

describe("README's plug-in", () => {
  it("loads, and its node type and connection kind are the command's", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)]
      .map((match) => match[1]!)
      .find((text) => text.includes("export default { nodeTypes"));
    expect(block).toBeDefined();
    const module = block!
      .replace('from "@weft/engine"', `from ${JSON.stringify(ENGINE)}`)
      .replace('from "zod"', `from ${JSON.stringify(ZOD)}`);
    const folder = folderWith({ "my-nodes.mjs": module });
    const schema = await weft(["schema", "--plugin", "./my-nodes.mjs"], folder);
    expect(schema.code, schema.stderr).toBe(0);
    expect(schema.stdout).toContain('"const": "ask-my-service"');
    const help = await weft(["connection", "create", "--help", "--plugin", "./my-nodes.mjs"], folder);
    expect(help.stdout).toMatch(/--type <type>.*my-service/s);
    expect(help.stdout).toContain("--base-url <value>");
  });
});

describe("a plug-in's own copy of @weft/engine", () => {
  let service: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    service = await startServer({ keys: { customer: "test-key-own-copy-0001" }, echoKeyInErrors: true });
  });
  afterAll(() => service.close());

  it("makes Secrets the weft command takes for keys, masks and scrubs", async () => {
    // The node builds the connection with `new Secret(...)` of its own copy, not context.secret().
    const folder = folderWith({
      "own.mjs": `import { defineNodeType, Secret } from ${JSON.stringify(ENGINE)};
import { z } from ${JSON.stringify(ZOD)};
export default {
  nodeTypes: [
    defineNodeType({
      type: "own-secret-connection",
      description: "Builds a json-service connection with its own Secret.",
      input: z.object({ baseUrl: z.string(), key: z.string(), variable: z.string() }).strict(),
      writes: { input: "variable" },
      run: (input) => ({ type: "json-service", baseUrl: input.baseUrl, apiKey: new Secret(input.key) }),
    }),
  ],
};
`,
      "f.flow.json": JSON.stringify({
        inputs: { url: { type: "string" }, key: { type: "string" } },
        nodes: [
          {
            id: "make",
            type: "own-secret-connection",
            inputs: { baseUrl: "${inputs.url}", key: "${inputs.key}", variable: "conn" },
          },
          {
            id: "ask",
            type: "analyze-text",
            dynamicConnection: "${vars.conn}",
            inputs: { text: "a great day" },
          },
        ],
        outputs: { sentiment: "${nodes.ask.output.sentiment}", connection: "${vars.conn}" },
      }),
    });
    const run = (key: string) =>
      weft(
        [
          "run",
          "f.flow.json",
          "--input",
          `url=${service.url}`,
          "--input-env",
          "key=OWN_KEY",
          "--plugin",
          "./own.mjs",
          "--plugin",
          EXAMPLE_PLUGIN,
        ],
        folder,
        { OWN_KEY: key },
      );
    const { code, stdout, stderr } = await run("test-key-own-copy-0001");
    expect(code, stderr).toBe(0);
    const outputs = JSON.parse(stdout);
    expect(outputs.sentiment).toBe("positive");
    expect(outputs.connection.apiKey).toBe("***");
    expect(service.requests.map((entry: { key: string }) => entry.key)).toEqual(["customer"]);

    // A service that quotes a refused key back: the run knows the key as a secret and scrubs it.
    const refused = await run("test-key-own-copy-WRONG-0002");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("missing or unknown x-api-key (got ***)");
    expect(refused.stdout + refused.stderr).not.toContain("WRONG");
  });
});
