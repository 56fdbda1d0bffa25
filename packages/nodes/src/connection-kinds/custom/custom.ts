import { type ConnectionOf, defineConnectionKind, secretField } from "@weft/engine";
import { z } from "zod";

const fields = {
  configs: z.record(z.string(), z.string()).describe("a plain setting"),
  secrets: z.record(z.string(), secretField()).describe("a secret"),
};

/** Key-value settings for node types that apps add: `configs` are plain, `secrets` are masked. */
export type CustomConnection = ConnectionOf<typeof customConnectionKind.fields.shape> & { type: "custom" };

/** Key-value settings for node types that apps add: `configs` are plain, `secrets` are masked. */
export const customConnectionKind = defineConnectionKind({
  type: "custom",
  description: "Plain settings (configs) and secrets (secrets) for node types that apps add.",
  fields: z.object(fields),
  label: () => "custom",
  identity: (connection) => [JSON.stringify(connection.configs)],
  promptflow: {
    types: ["custom"],
    toConnection(_record, read) {
      read.allowKeys(["configs", "secrets"]);
      return {
        connection: {
          type: "custom",
          configs: read.textMap("configs", false),
          secrets: read.textMap("secrets", true),
        },
        fieldNames: {},
        notes: [],
      };
    },
  },
});
