import {
  type AnyConnectionKind,
  type AnyNodeType,
  type Connection,
  ConnectionKinds,
  defineNodeType,
  FlowError,
  isSecret,
  type NodeContext,
  type Secret,
} from "@weft/engine";
import { z } from "zod";
import { COMMON_INPUTS, inputsForKind } from "./connection-inputs.js";

const DESCRIPTION = "Creates a connection of any registered kind at run time and stores it in a variable.";

type CreateConnectionInput = { type: string; variable: string; name?: string } & Record<string, unknown>;

/**
 * `create-connection` for these kinds: `type` names one of them, its fields are the node's
 * inputs, checked by the kind's own schema when the flow is validated, and the connection is
 * written to `variable` for other nodes' `dynamicConnection`. Secret fields become `Secret`s the
 * run scrubs. Engines bind it to all their kinds (`forConnectionKinds`), plug-ins' included.
 */
export function defineCreateConnection(kinds: readonly AnyConnectionKind[]): AnyNodeType {
  // A kind with a field named like a common input (`variable`) cannot be told apart from it here.
  const usable = kinds.filter(
    (kind) => !COMMON_INPUTS.some((name) => Object.hasOwn(kind.fields.shape, name)),
  );
  // Built on first use: every engine binds this node type to all its kinds, and a zod schema per
  // kind costs a `weft run` of a flow that never creates a connection several milliseconds.
  let registry: ConnectionKinds | undefined;
  let schemas: { input: z.ZodType<CreateConnectionInput>; output?: z.ZodType<Connection> } | undefined;
  const kindsOf = () => (registry ??= new ConnectionKinds(usable));
  const schemasOf = () => (schemas ??= buildSchemas(usable, kindsOf()));
  return defineNodeType<CreateConnectionInput, Connection>({
    type: "create-connection",
    description: DESCRIPTION,
    get input() {
      return schemasOf().input;
    },
    get output() {
      return schemasOf().output;
    },
    writes: { input: "variable" },
    forConnectionKinds: (all) => defineCreateConnection(all),
    run: (values, context) => buildConnection(values, context, kindsOf()),
  });
}

/** The node's input schema (a union over the kinds, on `type`) and its output schema. */
function buildSchemas(
  usable: readonly AnyConnectionKind[],
  registry: ConnectionKinds,
): { input: z.ZodType<CreateConnectionInput>; output?: z.ZodType<Connection> } {
  const options = usable.map((kind) => inputsForKind(kind, registry));
  const input =
    options.length === 0
      ? z
          .object({ type: z.string(), variable: z.string() })
          .catchall(z.unknown())
          .check((context) => {
            context.issues.push({
              code: "custom",
              message: "no connection kinds are registered: register create-connection with createEngine",
              input: context.value,
              path: ["type"],
            });
          })
      : z.discriminatedUnion("type", options as [z.ZodObject, ...z.ZodObject[]]);
  const outputs = usable.map((kind) => registry.schema(kind.type)).filter((schema) => schema !== undefined);
  const typed = input as unknown as z.ZodType<CreateConnectionInput>;
  if (outputs.length === 0) return { input: typed };
  const output = outputs.length === 1 ? outputs[0] : z.union(outputs as [z.ZodObject, ...z.ZodObject[]]);
  return { input: typed, output: output as unknown as z.ZodType<Connection> };
}

/** `create-connection` before an engine binds it to its connection kinds (`createEngine` does). */
export const createConnection = defineCreateConnection([]);

function buildConnection(
  input: CreateConnectionInput,
  context: NodeContext,
  kinds: ConnectionKinds,
): Connection {
  const { type, variable: _, ...rest } = input;
  const fields = kinds.fields(type);
  if (fields === undefined) {
    throw new FlowError("node.input", `create-connection: unknown connection type ${JSON.stringify(type)}`, {
      nodeId: context.nodeId,
      path: "inputs.type",
    });
  }
  const connection: Record<string, unknown> = { type };
  for (const [name, value] of Object.entries(rest)) connection[name] = value;
  for (const field of fields) {
    const value = connection[field.name];
    if (field.secret === "value" && value !== undefined) {
      connection[field.name] = secretOf(value, field.name, context);
    } else if (field.secret === "entries" && value !== null && typeof value === "object") {
      connection[field.name] = Object.fromEntries(
        Object.entries(value).map(([entry, item]) => [
          entry,
          secretOf(item, `${field.name}.${entry}`, context),
        ]),
      );
    }
  }
  return kinds.parse(connection, {
    nodeId: context.nodeId,
    subject: `create-connection: the ${type} connection`,
  });
}

/** A secret input's value as a `Secret` the run scrubs; keys read from files often end in a newline. */
function secretOf(value: unknown, path: string, context: NodeContext): Secret {
  const text = isSecret(value) ? value.reveal() : typeof value === "string" ? value : undefined;
  if (text === undefined || text.trim() === "") {
    throw new FlowError(
      "node.input",
      `invalid input for create-connection: inputs.${path}: expected a non-empty secret`,
      {
        nodeId: context.nodeId,
        path: `inputs.${path}`,
      },
    );
  }
  return context.secret(text.trim());
}
