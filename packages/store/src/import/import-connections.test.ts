import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FlowError } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { describe, expect, it } from "vitest";
import { importConnections } from "./import-connections.js";

const fixtures = join(import.meta.dirname, "../../test-support/promptflow");

async function importFixture(name: string) {
  return await importConnections(await readFile(join(fixtures, name), "utf8"), {
    connectionKinds: builtinConnectionKinds,
    file: name,
  });
}

async function importError(text: string, file = "connections.yaml"): Promise<FlowError> {
  const error = await importConnections(text, { connectionKinds: builtinConnectionKinds, file }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FlowError);
  return error as FlowError;
}

describe("importConnections: promptflow files", () => {
  it("maps an azure_open_ai resource URL to an azure-ai connection, keeping api_version", async () => {
    expect(await importFixture("azure-openai-resource.yaml")).toEqual([
      {
        name: "open_ai_connection",
        format: "promptflow",
        connection: {
          type: "azure-ai",
          endpoint: "https://contoso.openai.azure.com/",
          apiKey: "test-key-azure-resource",
          apiVersion: "2024-02-01",
        },
        notes: [],
      },
    ]);
  });

  it("maps an azure_open_ai api_base on another host to an openai connection on the v1 API", async () => {
    const [imported] = await importConnections(
      "name: gateway\ntype: azure_open_ai\napi_key: k\napi_base: https://aoai.example.com/\napi_version: 2024-02-01\n",
      { connectionKinds: builtinConnectionKinds, file: "c.yaml" },
    );
    expect(imported?.connection).toEqual({
      type: "openai",
      baseUrl: "https://aoai.example.com/openai/v1",
      apiKey: "k",
    });
    expect(imported?.notes).toEqual([
      "api_base is an Azure OpenAI resource, not a deployment: imported as an openai connection to " +
        "https://aoai.example.com/openai/v1 (the Azure OpenAI v1 API); a node's model names the " +
        "deployment; api_version is not used by that API and was left out",
    ]);
  });

  it("maps an azure_open_ai deployment URL to an azure-ai connection, keeping env references", async () => {
    expect(await importFixture("azure-openai-deployment.yaml")).toEqual([
      {
        name: "gpt4o_deployment",
        format: "promptflow",
        connection: {
          type: "azure-ai",
          endpoint: "https://contoso.openai.azure.com/openai/deployments/gpt-4o",
          apiKey: "${env:AZURE_OPENAI_API_KEY}",
          apiVersion: "2024-10-21",
        },
        notes: [],
      },
    ]);
  });

  it("maps open_ai, serverless and custom connections", async () => {
    expect((await importFixture("openai.yaml"))[0]?.connection).toEqual({
      type: "openai",
      apiKey: "test-key-openai",
      baseUrl: "http://127.0.0.1:8080/v1",
      organization: "org-test",
    });
    const [serverless] = await importFixture("serverless.yaml");
    expect(serverless?.connection).toEqual({
      type: "serverless",
      endpoint: "https://llama-3-70b.eastus2.models.ai.azure.com",
      apiKey: "test-key-serverless",
    });
    expect(serverless?.notes).toEqual([]);
    // Without promptflow's $schema, its field names tell the two formats apart.
    const [bare] = await importConnections(
      "name: s\ntype: serverless\napi_key: k\napi_base: https://m.eastus2.models.ai.azure.com/\n",
      { connectionKinds: builtinConnectionKinds, file: "s.yaml" },
    );
    expect(bare).toMatchObject({ format: "promptflow", connection: { type: "serverless" } });
    const [foundry] = await importConnections(
      "name: f\ntype: serverless\napi_key: k\napi_base: https://r.services.ai.azure.com/models/\n",
      { connectionKinds: builtinConnectionKinds, file: "f.yaml" },
    );
    expect(foundry?.connection).toEqual({
      type: "azure-ai",
      endpoint: "https://r.services.ai.azure.com/models",
      apiKey: "k",
    });
    expect((await importFixture("custom.yaml"))[0]?.connection).toEqual({
      type: "custom",
      configs: { endpoint: "https://search.example.com", port: "8443" },
      secrets: { token: "test-key-custom", backup_token: "${env:SEARCH_BACKUP_TOKEN}" },
    });
  });

  it("refuses values promptflow would prompt for, with the file and field", async () => {
    const error = await importError(
      await readFile(join(fixtures, "user-input.yaml"), "utf8"),
      "user-input.yaml",
    );
    expect(error.code).toBe("connection.invalid");
    expect(error.message).toBe(
      'user-input.yaml: api_key (connection "open_ai"): <user-input> asks for the value interactively, which an ' +
        "import cannot do; write ${env:NAME} and set that variable",
    );
    expect(error.file).toBe("user-input.yaml");
    expect(error.path).toBe("api_key");
  });

  it("refuses Entra ID connections and unsupported types", async () => {
    const entra = await importError(await readFile(join(fixtures, "entra-id.yaml"), "utf8"), "entra-id.yaml");
    expect(entra.message).toBe(
      'entra-id.yaml: auth_mode (connection "entra"): expected "key" (Microsoft Entra ID connections are not ' +
        'supported yet), got "meid_token"',
    );
    expect((await importError("name: q\ntype: qdrant\napi_key: k\n")).message).toBe(
      'connections.yaml: type (connection "q"): promptflow connections of type "qdrant" cannot be imported; ' +
        "weft imports azure_open_ai, open_ai, serverless, custom, cognitive_search, azure_content_safety, serp",
    );
  });

  it("maps serp connections, refusing fields promptflow's serp connection does not have", async () => {
    expect(await importFixture("serp.yaml")).toEqual([
      {
        name: "serp_connection",
        format: "promptflow",
        connection: { type: "serp", apiKey: "${env:SERP_API_KEY}" },
        notes: [],
      },
    ]);
    expect(
      (
        await importError(
          "name: s\ntype: serp\nmodule: promptflow.connections\napi_key: k\napi_base: https://x\n",
        )
      ).message,
    ).toBe(
      'connections.yaml: api_base (connection "s"): unknown field for promptflow serp connections; expected api_key',
    );
    const masked = await importError(
      "name: s\ntype: serp\nmodule: promptflow.connections\napi_key: '*****'\n",
    );
    expect(masked.message).toContain("api_key");
    expect(masked.message).toContain("masked value");
  });

  it("does not quote a piece of a JSON file it cannot parse, which may hold a key", async () => {
    const text = '{"name": "c", "type": "openai", "apiKey": test-key-import-7c8d9e}';
    await expect(
      importConnections(text, { connectionKinds: builtinConnectionKinds, format: "json", file: "c.json" }),
    ).rejects.toThrow(/^c\.json: not valid JSON: Unexpected token 'e' \(not valid JSON\)$/);
  });

  it("refuses credentials put in api_base without echoing them", async () => {
    for (const type of ["azure_open_ai", "serverless"]) {
      const userinfo = await importError(
        `name: c\ntype: ${type}\napi_key: k\napi_base: https://user:test-key-pf-base@example.com:99999/\n`,
      );
      expect(userinfo.message).toBe(
        'connections.yaml: api_base (connection "c"): expected a URL without credentials (user:password@); keys belong in apiKey',
      );
      const query = await importError(
        `name: c\ntype: ${type}\napi_key: k\napi_base: https://res.example.com/?api-key=test-key-pf-base\n`,
      );
      expect(query.message).toBe(
        'connections.yaml: api_base (connection "c"): expected a URL without a key in its query (?api-key=…); keys belong in apiKey',
      );
    }
  });

  it("reports bad fields with promptflow's names and never echoes a secret", async () => {
    const masked = await importError("name: o\ntype: open_ai\napi_key: '******'\n");
    expect(masked.message).toContain('connections.yaml: api_key (connection "o"): is a masked value');
    const unknown = await importError("name: o\ntype: open_ai\napi_key: test-key-x\nbase: http://x\n");
    expect(unknown.message).toBe(
      'connections.yaml: base (connection "o"): unknown field for promptflow open_ai connections; expected ' +
        "api_key, base_url, organization",
    );
    const badBase = await importError(
      "name: o\ntype: open_ai\napi_key: test-key-SECRET\nbase_url: ftp://x\n",
    );
    expect(badBase.message).toBe(
      'connections.yaml: base_url (connection "o"): expected an http(s) URL, got "ftp://x"',
    );
    const numericKey = await importError("name: o\ntype: open_ai\napi_key: 12345\n");
    expect(numericKey.message).toBe(
      'connections.yaml: api_key (connection "o"): expected a secret value or ${env:NAME}, got a number',
    );
    expect(numericKey.message).not.toContain("12345");
    const badSecret = await importError(
      "name: c\ntype: custom\n$schema: promptflow\nsecrets:\n  token: [1]\n",
    );
    expect(badSecret.path).toBe("secrets.token");
  });
});

describe("importConnections: weft files", () => {
  it("reads a JSON list in our own format", async () => {
    expect(await importFixture("weft-connections.json")).toEqual([
      {
        name: "shared-foundry",
        format: "weft",
        connection: {
          type: "azure-ai",
          endpoint: "https://contoso.services.ai.azure.com/models",
          apiKey: "${env:FOUNDRY_KEY}",
          maxConcurrency: 8,
        },
        notes: [],
      },
      {
        name: "local",
        format: "weft",
        connection: { type: "openai", apiKey: "test-key-local", baseUrl: "http://127.0.0.1:11434/v1" },
        notes: [],
      },
    ]);
  });

  it("reads several YAML documents and a single object", async () => {
    const text = [
      "name: a\ntype: openai\napiKey: test-key-a",
      "- name: b\n  type: custom\n  configs: { x: y }",
      "",
    ].join("\n---\n");
    expect(
      (await importConnections(text, { connectionKinds: builtinConnectionKinds })).map((entry) => [
        entry.name,
        entry.connection.type,
      ]),
    ).toEqual([
      ["a", "openai"],
      ["b", "custom"],
    ]);
  });

  it("locates errors in lists and documents", async () => {
    const error = await importError(
      '[{"name": "a", "type": "openai", "apiKey": "k"}, {"name": "b", "type": "azure-ai", "apiKey": "k", "endpoint": "https://example.com"}]',
      "list.json",
    );
    expect(error.code).toBe("connection.endpoint");
    expect(error.message).toMatch(
      /^list\.json: \[1\]\.endpoint \(connection "b"\): unrecognised Azure AI endpoint: expected /,
    );
    expect(error.path).toBe("[1].endpoint");
    expect(
      (await importError("name: a\ntype: openai\n---\nname: a\ntype: openai\napiKey: k\n")).message,
    ).toBe(
      'connections.yaml: document 1.apiKey (connection "a"): expected a secret or ${env:NAME}, got nothing',
    );
    expect(
      (await importError("- name: a\n  type: openai\n  apiKey: k\n- name: a\n  type: openai\n  apiKey: k\n"))
        .message,
    ).toBe('connections.yaml: [1].name: connection "a" appears twice in the file');
    expect((await importError("- type: openai\n")).message).toBe(
      "connections.yaml: [0].name: expected a connection name of letters, digits, '.', '_' and '-' that starts " +
        "with a letter or digit (at most 100), got nothing",
    );
  });

  it("reports syntax errors with a line", async () => {
    expect((await importError("name: a\n  type: [openai\n")).message).toMatch(
      /^connections\.yaml:\d+:\d+: not valid YAML: /,
    );
    // The place is said once, before the parser's words.
    expect((await importError("name: x\ntype: [oops\n")).message).toBe(
      "connections.yaml:3:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    );
    await expect(
      importConnections("{", { connectionKinds: builtinConnectionKinds, format: "json", file: "x.json" }),
    ).rejects.toThrow(/^x\.json: not valid JSON: /);
    expect((await importError("")).message).toBe(
      "connections.yaml: expected a connection or a list of connections, got nothing",
    );
  });
});
