import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine } from "../engine.js";
import { defineNodeType } from "../node-type/define-node-type.js";
import { Secret } from "../secrets/secret.js";
import { ConnectionKinds } from "./connection-kinds.js";
import { connectionSchema } from "./connection-schema.js";
import { type Connection, defineConnectionKind, secretField } from "./define-connection-kind.js";

const KEY = "mail-key-SHOULD-NOT-LEAK";

/** A kind nobody built in, and a node type that builds its connections in a flow. */
const mailKind = defineConnectionKind({
  type: "mail",
  description: "A mail service.",
  fields: z.object({ url: z.string(), apiKey: secretField() }),
  label: (connection) => new URL(connection.url).host,
  identity: (connection) => [connection.url],
});

function makeMailConnection(build: (key: Secret) => unknown) {
  return defineNodeType({
    type: "make-mail-connection",
    description: "Builds a mail connection from a key.",
    input: z.object({ key: z.instanceof(Secret) }),
    output: connectionSchema(mailKind),
    connectionKinds: [mailKind],
    // Whatever the node builds: the engine checks it.
    run: (input) => build(input.key) as Connection,
  });
}

/** Uses its dynamic connection, and gives back both it and the output of the node that made it. */
function sendNode(seen: { connection?: Connection; made?: unknown }) {
  return defineNodeType({
    type: "send",
    description: "Sends through its connection.",
    input: z.object({ made: z.unknown() }),
    usesConnection: true,
    async run(input, context) {
      seen.connection = (await context.connection()).connection;
      seen.made = input.made;
      return "sent";
    },
  });
}

const flow = {
  inputs: { key: { type: "secret" as const } },
  nodes: [
    { id: "make", type: "make-mail-connection", inputs: { key: "${inputs.key}" } },
    {
      id: "send",
      type: "send",
      dynamicConnection: "${nodes.make.output}",
      inputs: { made: "${nodes.make.output}" },
    },
  ],
};

describe("connectionSchema", () => {
  it("is the schema the registry checks the kind's connections with", () => {
    const kinds = new ConnectionKinds([mailKind]);
    expect(kinds.schema("mail")).toBe(connectionSchema(mailKind));
    expect(connectionSchema(mailKind).safeParse({ type: "mail", url: "x", apiKey: "plain" }).success).toBe(
      false,
    );
  });

  it("checks a node's output as a connection of the kind once, and the node using it gets that very connection", async () => {
    const seen: { connection?: Connection; made?: unknown } = {};
    const engine = createEngine({
      nodeTypes: [
        makeMailConnection((key) => ({
          type: "mail",
          url: "https://mail.example.com/v1",
          apiKey: key,
          extra: 1,
        })),
        sendNode(seen),
      ],
    });
    const result = await engine.run(flow, { inputs: { key: KEY } });
    expect(result.status).toBe("succeeded");
    // The checked copy (unknown fields dropped), frozen, is the output the next node reads.
    expect(seen.connection).toBe(seen.made);
    expect(Object.isFrozen(seen.connection)).toBe(true);
    expect(seen.connection).toEqual({
      type: "mail",
      url: "https://mail.example.com/v1",
      apiKey: expect.any(Secret),
    });
    expect(Object.keys(seen.connection!)).toEqual(["type", "url", "apiKey"]);
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(result.nodes.make!.output).toEqual({
      type: "mail",
      url: "https://mail.example.com/v1",
      apiKey: "***",
    });
  });

  it("fails the node with node.output for an output that is not a valid connection of the kind, without quoting the key", async () => {
    for (const build of [
      (key: Secret) => ({ type: "mail", url: "https://mail.example.com/v1", apiKey: key.reveal() }),
      (key: Secret) => ({ type: "other", url: "https://mail.example.com/v1", apiKey: key }),
      () => "not a connection",
    ]) {
      const engine = createEngine({ nodeTypes: [makeMailConnection(build), sendNode({})] });
      const result = await engine.run(flow, { inputs: { key: KEY } });
      expect(result.status).toBe("failed");
      expect(result.nodes.make!.error).toMatchObject({
        code: "node.output",
        nodeId: "make",
        message: expect.stringContaining("make-mail-connection returned an invalid output"),
      });
      expect(result.nodes.send!.status).toBe("cancelled");
      expect(JSON.stringify(result)).not.toContain(KEY);
    }
  });

  it("keeps a checked connection's mark to the registry that checked it", () => {
    const kinds = new ConnectionKinds([mailKind]);
    const other = new ConnectionKinds([
      defineConnectionKind({
        ...mailKind,
        fields: z.object({ url: z.string().url(), apiKey: secretField() }),
      }),
    ]);
    const connection = kinds.parse({ type: "mail", url: "not a url", apiKey: new Secret(KEY) });
    expect(kinds.check(connection).problem).toBeUndefined();
    // Another engine's registry, with another schema for the type, checks it by its own rules.
    expect(other.check(connection).problem).toContain("not a valid mail connection");
  });
});
