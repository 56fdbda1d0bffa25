import {
  type AnyConnectionKind,
  ConnectionKinds,
  describeJsonError,
  describeValue,
  FlowError,
} from "@weft/engine";
import {
  type ConnectionInput,
  checkConnectionName,
  type InputLocation,
  invalid,
  parseConnectionInput,
} from "../connection-input.js";
import { convertPromptflowConnection, isPromptflowConnection } from "./promptflow.js";

/** Options of `importConnections`. */
export interface ImportConnectionsOptions {
  /** The kinds connections may have; promptflow types are mapped by the kinds that declare them. */
  connectionKinds: ConnectionKinds | readonly AnyConnectionKind[];
  /** How to read the text; YAML (the default) also reads JSON. */
  format?: "yaml" | "json";
  /** The file's name, for error messages. */
  file?: string;
}

/** One connection read from a file, ready for `ConnectionStore.createMany`. */
export interface ImportedConnection {
  /** The name the file gives it. */
  name: string;
  /** Its kind and fields, mapped to a registered kind. */
  connection: ConnectionInput;
  /** Which format it was written in. */
  format: "weft" | "promptflow";
  /** Decisions the import made that the user should hear about (a mapped kind, a dropped field). */
  notes: string[];
}

/**
 * Reads connections from a JSON or YAML file: weft's own format (`{ name, type, ...fields }`, one
 * object or a list, with our field names) or promptflow connection files (`type: azure_open_ai |
 * open_ai | serverless | custom`, see `promptflow.ts`). A YAML file may hold several documents.
 * Secrets may be literal or `${env:NAME}`, which is kept as a reference. Every connection is
 * checked; the first problem rejects with a `connection.invalid` error naming the file and field.
 */
export async function importConnections(
  text: string,
  options: ImportConnectionsOptions,
): Promise<ImportedConnection[]> {
  const kinds =
    options.connectionKinds instanceof ConnectionKinds
      ? options.connectionKinds
      : new ConnectionKinds(options.connectionKinds);
  const file = options.file ?? "<input>";
  const documents = options.format === "json" ? [readJson(text, file)] : await readYaml(text, file);
  const items: { value: unknown; path: string | undefined }[] = [];
  documents.forEach((document, index) => {
    const prefix = documents.length > 1 ? `document ${index + 1}` : undefined;
    if (document === null || document === undefined) return;
    if (Array.isArray(document)) {
      document.forEach((value, item) => {
        items.push({ value, path: `${prefix ?? ""}[${item}]` });
      });
    } else items.push({ value: document, path: prefix });
  });
  if (items.length === 0)
    throw invalid({ file }, undefined, "expected a connection or a list of connections, got nothing");

  const seen = new Set<string>();
  return items.map(({ value, path }) => {
    const at: InputLocation = { file, ...(path === undefined ? {} : { path }) };
    const imported = importOne(kinds, value, at);
    if (seen.has(imported.name))
      throw invalid(at, "name", `connection "${imported.name}" appears twice in the file`);
    seen.add(imported.name);
    return imported;
  });
}

function importOne(kinds: ConnectionKinds, value: unknown, at: InputLocation): ImportedConnection {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid(at, undefined, `expected a connection object, got ${describeValue(value)}`);
  }
  const fields = value as Record<string, unknown>;
  checkConnectionName(fields.name, at);
  const name = fields.name;
  const named = { ...at, connection: name };
  if (isPromptflowConnection(kinds, fields)) {
    const { connection, fieldNames, notes } = convertPromptflowConnection(kinds, fields, named);
    parseConnectionInput(kinds, name, connection, { ...at, fieldNames });
    return { name, connection, format: "promptflow", notes };
  }
  const { $schema: _schema, name: _name, ...connection } = fields;
  parseConnectionInput(kinds, name, connection, at);
  return { name, connection: connection as ConnectionInput, format: "weft", notes: [] };
}

function readJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // A file of connections may hold keys: never quote the piece of it V8 puts in the message.
    throw new FlowError(
      "connection.invalid",
      `${file}: not valid JSON: ${describeJsonError((error as Error).message)}`,
      {
        file,
      },
    );
  }
}

type YamlModule = typeof import("yaml");

/** The documents of a YAML file. The parser is loaded on first use: most programs never import. */
async function readYaml(text: string, file: string): Promise<unknown[]> {
  // yaml is CommonJS: Node gives its exports as names and as `default`, a bundle as `default` only.
  const yaml: YamlModule & { default?: YamlModule } = await import("yaml");
  const { parseAllDocuments } = yaml.default ?? yaml;
  return parseAllDocuments(text).map((document) => {
    const error = document.errors[0];
    if (error !== undefined) {
      const position = error.linePos?.[0];
      const where = position ? `${file}:${position.line}:${position.col}` : file;
      // The parser's first line, without the place it repeats (" at line 3, column 1:").
      const what = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new FlowError("connection.invalid", `${where}: not valid YAML: ${what}`, {
        file,
      });
    }
    return document.toJS();
  });
}
