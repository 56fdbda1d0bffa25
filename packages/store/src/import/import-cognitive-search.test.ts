import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FlowError } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { describe, expect, it } from "vitest";
import { importConnections } from "./import-connections.js";

const fixtures = join(import.meta.dirname, "../../test-support/promptflow");
const importText = (text: string) =>
  importConnections(text, { connectionKinds: builtinConnectionKinds, file: "search.yaml" });

describe("importConnections: promptflow cognitive_search", () => {
  it("maps api_base, api_key and api_version to an azure-ai-search connection, keeping env references", async () => {
    const text = await readFile(join(fixtures, "cognitive-search.yaml"), "utf8");
    expect(await importText(text)).toEqual([
      {
        name: "search_connection",
        format: "promptflow",
        connection: {
          type: "azure-ai-search",
          endpoint: "https://contoso-search.search.windows.net",
          apiKey: "${env:AZURE_SEARCH_API_KEY}",
          apiVersion: "2023-11-01",
        },
        notes: [],
      },
    ]);
  });

  it("leaves out promptflow's old preview api_version, saying why", async () => {
    const [imported] = await importText(
      "name: s\ntype: cognitive_search\napi_key: test-key-search-1\napi_base: https://s.search.windows.net\napi_version: 2023-07-01-Preview\n",
    );
    expect(imported?.connection).toEqual({
      type: "azure-ai-search",
      endpoint: "https://s.search.windows.net",
      apiKey: "test-key-search-1",
    });
    expect(imported?.notes).toEqual([
      'api_version "2023-07-01-Preview" is older than 2023-11-01 and was left out: the client\'s own api-version is used',
    ]);
  });

  it("refuses Entra ID auth, unknown fields and an endpoint with a path, without quoting the key", async () => {
    const fail = async (text: string): Promise<FlowError> => {
      const error = await importText(text).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(FlowError);
      return error as FlowError;
    };
    expect(
      (
        await fail(
          "name: s\ntype: cognitive_search\napi_base: https://s.search.windows.net\nauth_mode: meid_token\n",
        )
      ).message,
    ).toContain('expected "key" (Microsoft Entra ID connections are not supported yet)');
    expect(
      (
        await fail(
          "name: s\ntype: cognitive_search\napi_base: https://s.search.windows.net\napi_key: k1234567\nindex: x\n",
        )
      ).message,
    ).toContain("index");
    const key = "test-key-search-canary-77";
    const path = await fail(
      `name: s\ntype: cognitive_search\napi_base: https://s.search.windows.net/indexes/x\napi_key: ${key}\n`,
    );
    expect(path.message).toContain("without a path or query");
    expect(path.message).not.toContain(key);
  });
});
