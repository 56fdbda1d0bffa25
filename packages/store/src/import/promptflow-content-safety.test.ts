import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FlowError } from "@weft/engine";
import { builtinConnectionKinds } from "@weft/nodes";
import { describe, expect, it } from "vitest";
import { importConnections } from "./import-connections.js";

const fixtures = join(import.meta.dirname, "../../test-support/promptflow");

const importText = (text: string) =>
  importConnections(text, { connectionKinds: builtinConnectionKinds, file: "cs.yaml" });

async function importError(text: string): Promise<FlowError> {
  const error = await importText(text).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FlowError);
  return error as FlowError;
}

describe("importConnections: promptflow azure_content_safety", () => {
  it("maps the promptflow file to an azure-content-safety connection, keeping env references", async () => {
    const text = await readFile(join(fixtures, "azure-content-safety.yaml"), "utf8");
    expect(await importText(text)).toEqual([
      {
        name: "content_safety",
        connection: {
          type: "azure-content-safety",
          endpoint: "https://moderate.cognitiveservices.azure.com/",
          apiKey: "${env:CONTENT_SAFETY_KEY}",
          apiVersion: "2023-10-01",
        },
        format: "promptflow",
        notes: [],
      },
    ]);
  });

  it("drops the retired preview api_version promptflow once wrote by default, with a note", async () => {
    const [imported] = await importText(
      "name: cs\ntype: azure_content_safety\napi_key: test-key-cs-1\nendpoint: https://m.cognitiveservices.azure.com\napi_version: 2023-04-30-preview\n",
    );
    expect(imported?.connection).toEqual({
      type: "azure-content-safety",
      endpoint: "https://m.cognitiveservices.azure.com",
      apiKey: "test-key-cs-1",
    });
    expect(imported?.notes).toEqual([
      "api_version 2023-04-30-preview is a retired preview; left out, so the GA API (2023-10-01) is used",
    ]);
  });

  it("reports missing and unknown fields with promptflow's names, never echoing the key", async () => {
    expect(
      (await importError("name: cs\ntype: azure_content_safety\napi_key: test-key-cs-2\n")).message,
    ).toBe('cs.yaml: endpoint (connection "cs"): expected a value, got nothing');
    const unknown = await importError(
      "name: cs\ntype: azure_content_safety\napi_key: test-key-cs-3\nendpoint: https://m.cognitiveservices.azure.com\nregion: eastus\n",
    );
    expect(unknown.message).toContain(
      'region (connection "cs"): unknown field for promptflow azure_content_safety',
    );
    expect(unknown.message).not.toContain("test-key-cs-3");
    const entra = await importError(
      "name: cs\ntype: azure_content_safety\nendpoint: https://m.cognitiveservices.azure.com\napi_key: k\nauth_mode: meid_token\n",
    );
    expect(entra.message).toContain("Microsoft Entra ID connections are not supported yet");
  });

  it("refuses a plain http endpoint to another machine, and credentials in the endpoint", async () => {
    expect(
      (
        await importError(
          "name: cs\ntype: azure_content_safety\napi_key: test-key-cs-4\nendpoint: http://m.cognitiveservices.azure.com\n",
        )
      ).message,
    ).toContain("plain http:// is only allowed for local servers");
    const withKey = await importError(
      "name: cs\ntype: azure_content_safety\napi_key: test-key-cs-5\nendpoint: https://m.cognitiveservices.azure.com/?api-key=test-key-cs-5\n",
    );
    expect(withKey.message).toContain("keys belong in apiKey");
    expect(withKey.message).not.toContain("test-key-cs-5");
  });
});
