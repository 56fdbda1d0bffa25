import { describe, expect, it } from "vitest";
import { callNodeType, setNodeType } from "../../test-support/test-node-types.js";
import { createEngine } from "../engine.js";
import type { FlowDefinition } from "../flow/schema.js";
import { InMemoryConnectionProvider } from "./provider.js";
import { describeUnknownConnection } from "./unknown-connection.js";

const nodeTypes = [setNodeType, callNodeType];
const openai = { type: "openai" as const, apiKey: "key-1" };

/** Nodes a, b, c call "shared"; d calls "other"; e falls back to "backup" behind a dynamic one. */
const flow: FlowDefinition = {
  nodes: [
    { id: "a", type: "call", connection: "shared" },
    { id: "b", type: "call", connection: "shared" },
    { id: "c", type: "call", connection: "shared" },
    { id: "d", type: "call", connection: "other" },
    { id: "conn", type: "set", inputs: { name: "conn", value: null } },
    { id: "e", type: "call", connection: "backup", dynamicConnection: "${vars.conn}" },
  ],
};

describe("engine.checkConnections", () => {
  it("is empty when every static connection is there", async () => {
    const connections = new InMemoryConnectionProvider({ shared: openai, other: openai, backup: openai });
    expect(await createEngine({ nodeTypes, connections }).checkConnections(flow)).toEqual([]);
  });

  it("lists a missing connection a node relies on as an error, one behind a dynamicConnection as a warning", async () => {
    const connections = new InMemoryConnectionProvider({ other: openai, sharde: openai });
    const problems = await createEngine({ nodeTypes, connections }).checkConnections(flow);
    expect(problems).toEqual([
      {
        severity: "error",
        code: "connection.unknown",
        name: "shared",
        nodeIds: ["a", "b", "c"],
        message: 'unknown connection "shared" (named by nodes "a", "b", "c"): expected one of other, sharde',
      },
      {
        severity: "warning",
        code: "connection.unknown",
        name: "backup",
        nodeIds: ["e"],
        message:
          'unknown connection "backup" (the fallback of node "e": the run fails only if the dynamicConnection resolves to nothing): expected one of other, sharde',
      },
    ]);
  });

  it("without a provider, every static name is unknown", async () => {
    const problems = await createEngine({ nodeTypes }).checkConnections(flow);
    expect(problems.map((problem) => [problem.severity, problem.name])).toEqual([
      ["error", "shared"],
      ["error", "other"],
      ["warning", "backup"],
    ]);
    expect(problems[1]?.message).toBe(
      'unknown connection "other" (named by node "d"): expected one of (no connections are configured)',
    );
  });

  it("looks each name up once, however many nodes name it", async () => {
    const asked: string[] = [];
    const connections = { get: (name: string) => void asked.push(name), list: () => [] };
    await createEngine({ nodeTypes, connections }).checkConnections(flow);
    expect(asked).toEqual(["shared", "other", "backup"]);
  });

  it("bounds what it lists: a few nodes, the closest of many known names, long names cut", async () => {
    const many = new Map(Array.from({ length: 500 }, (_, i) => [`conn-${i}`, openai] as const));
    const long = "x".repeat(5000);
    const nodes = Array.from({ length: 50 }, (_, i) => ({
      id: `n${i}`,
      type: "call",
      connection: "conn-1x",
    }));
    const engine = createEngine({ nodeTypes, connections: new InMemoryConnectionProvider(many) });
    const [problem] = await engine.checkConnections({ nodes });
    expect(problem?.message).toMatch(
      /^unknown connection "conn-1x" \(named by nodes "n0", "n1", "n2" and 47 more\): expected one of the 500 connections; did you mean "conn-1\d", "conn-1\d", "conn-1\d"\?$/,
    );
    const [longProblem] = await engine.checkConnections({
      nodes: [{ id: "a", type: "call", connection: long }],
    });
    expect(longProblem?.message.length).toBeLessThan(300);
    expect(longProblem?.message).toContain("(5000 characters)");
  });

  it("asks a node type's checkConnection about the static connection its node names, once per node", async () => {
    const seen: unknown[] = [];
    const picky = {
      ...callNodeType,
      type: "picky",
      checkConnection(connection: { type: string }, inputs: Readonly<Record<string, unknown>>) {
        seen.push([connection.type, inputs]);
        return inputs.prompt === undefined ? "expected a prompt for this connection" : undefined;
      },
    };
    const engine = createEngine({
      nodeTypes: [...nodeTypes, picky],
      connections: new InMemoryConnectionProvider({ shared: openai }),
    });
    const problems = await engine.checkConnections({
      nodes: [
        { id: "a", type: "picky", connection: "shared", inputs: { prompt: "m" } },
        { id: "b", type: "picky", connection: "shared" },
        { id: "c", type: "picky", connection: "missing" },
      ],
    });
    expect(problems).toEqual([
      expect.objectContaining({ code: "connection.unknown", name: "missing" }),
      {
        severity: "error",
        code: "node.input",
        name: "shared",
        nodeIds: ["b"],
        message: 'node "b" with connection "shared": expected a prompt for this connection',
      },
    ]);
    expect(seen).toEqual([
      ["openai", { prompt: "m" }],
      ["openai", {}],
    ]);
  });

  it("refuses an invalid flow as compile does", async () => {
    await expect(
      createEngine({ nodeTypes }).checkConnections({ nodes: [{ id: "a", type: "nope" }] }),
    ).rejects.toMatchObject({
      code: "flow.invalid",
    });
  });
});

describe("describeUnknownConnection", () => {
  it("says the name, where, and what was expected", () => {
    expect(describeUnknownConnection("llm", ["a", "b"], 'named by node "x"')).toBe(
      'unknown connection "llm" (named by node "x"): expected one of a, b',
    );
    expect(describeUnknownConnection("llm", [])).toBe(
      'unknown connection "llm": expected one of (no connections are configured)',
    );
  });
});
