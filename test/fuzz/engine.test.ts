import {
  createEngine,
  type Engine,
  FlowError,
  FlowValidationError,
  InMemoryConnectionProvider,
  type RunHandle,
  type RunResult,
  Secret,
} from "@weft/engine";
import { builtinNodeTypes } from "@weft/nodes";
import { type LlmServer, startLlmServer } from "@weft/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe } from "vitest";
import { caseText, describeCase, describeShort, type MutatedCase } from "./support/case-text.js";
import { parseFlowValue, renderFlowText, setOwn } from "./support/flow-text.js";
import { fuzzTest } from "./support/fuzz-property.js";
import { findDifference, literalFlow } from "./support/literal-flows.js";
import { mutatedFlow, stressedFlow } from "./support/mutations.js";
import {
  CASE_TIMEOUT_MS,
  checkIssues,
  checkRefusal,
  checkRunResult,
  expectationsOf,
  PropertyViolation,
  withDeadline,
} from "./support/outcomes.js";
import { expectPrototypesUnchanged } from "./support/prototype-guard.js";
import { type FuzzWorld, validFlow } from "./support/valid-flows.js";
import { oddText, prototypeName, wildName } from "./support/wild-values.js";

/** Issues about the flow text as written, which its parsed value may not show. */
const TEXT_LIMIT_CODES = new Set(["flow.too-deep", "flow.too-large"]);

/**
 * Property-based tests of the engine on generated flows: valid ones, and mutations of them
 * (missing, renamed and mistyped fields, cycles, dangling references, prototype names, odd
 * unicode, huge and deep values, duplicate keys). See test/fuzz/README.md.
 */

const KEYS = { shared: "fuzz-key-shared-0001", customer: "fuzz-key-customer-0001" };
const FILE = import.meta.filename;

let server: LlmServer;
let world: FuzzWorld;
beforeAll(async () => {
  server = await startLlmServer({ keys: KEYS });
  world = {
    serverUrl: server.url,
    staticConnections: ["shared-foundry", "shared-deployment", "shared-openai"],
    customerKey: KEYS.customer,
  };
});
afterAll(() => server.close());

/** A fresh engine per case: no limiter or registry state carries over from one case to the next. */
function newEngine(): Engine {
  const apiKey = new Secret(KEYS.shared);
  return createEngine({
    nodeTypes: builtinNodeTypes,
    connections: new InMemoryConnectionProvider({
      "shared-foundry": { type: "azure-ai", endpoint: `${server.url}/models`, apiKey },
      "shared-deployment": {
        type: "azure-ai",
        endpoint: `${server.url}/openai/deployments/gpt-4o-mini`,
        apiKey,
      },
      "shared-openai": { type: "openai", baseUrl: `${server.url}/v1`, apiKey },
    }),
  });
}

const violation = (message: string) => new PropertyViolation(message);

/** Counterexamples are shown as what was done to a valid flow, then the flow's text. */
const CASE_OPTIONS = {
  describe: (fuzzCase: MutatedCase) => describeCase(fuzzCase),
  size: (fuzzCase: MutatedCase) => caseText(fuzzCase).length,
  file: FILE,
};

/** Calls `validate`, turning a throw into a failure that says which call threw. */
function validateOrFail(engine: Engine, flow: unknown, what: string): unknown {
  let issues: unknown;
  try {
    issues = engine.validate(flow);
  } catch (error) {
    if (error instanceof Error) error.message = `${what} threw instead of returning issues: ${error.message}`;
    throw error;
  }
  expectPrototypesUnchanged(what);
  return issues;
}

/** Starts a run and waits for its result (bounded); `undefined` when the engine refused the flow or its inputs. */
async function runToEnd(
  engine: Engine,
  text: string,
  inputs: Record<string, unknown>,
): Promise<RunResult | undefined> {
  server.reset();
  let handle: RunHandle;
  try {
    handle = engine.run(text, { inputs });
  } catch (error) {
    expectPrototypesUnchanged("engine.run");
    checkRefusal(error, "engine.run refused the flow", parseFlowValue(text));
    return undefined;
  }
  try {
    // The run starts on the next microtask: stop it there if compiling polluted the prototypes.
    expectPrototypesUnchanged("engine.run (compiling the flow)");
  } catch (error) {
    handle.cancel("the flow changed built-in prototypes");
    await handle;
    throw error;
  }
  return withDeadline(handle, CASE_TIMEOUT_MS, "the run", () => handle.cancel("the fuzz case timed out"));
}

function describeRun(result: RunResult): string {
  const failures = Object.entries(result.nodes)
    .filter(([, node]) => node.status === "failed")
    .map(([id, node]) => `${id}: ${node.error?.code} ${describeShort(node.error?.message)}`);
  return `${result.status}${failures.length ? ` (${failures.join("; ")})` : ""}`;
}

describe("fuzz: engine", () => {
  fuzzTest(
    "engine: valid flows validate, compile and run to success",
    () => validFlow(world),
    async (fuzzCase) => {
      const engine = newEngine();
      const text = caseText(fuzzCase);
      const issues = validateOrFail(engine, text, "validate(text)") as Array<{ message: string }>;
      if (issues.length)
        throw violation(`a valid flow has issues: ${issues.map((issue) => issue.message).join("; ")}`);
      const objectIssues = validateOrFail(engine, JSON.parse(text), "validate(object)") as unknown[];
      if (objectIssues.length)
        throw violation(`a valid flow (as an object) has issues: ${describeShort(objectIssues)}`);
      engine.compile(text);
      const result = await runToEnd(engine, text, fuzzCase.inputs);
      if (!result) throw violation("the engine refused a valid flow");
      checkRunResult(result, expectationsOf(fuzzCase.flow, text.length), "run");
      if (result.status !== "succeeded")
        throw violation(`a valid flow's run did not succeed: ${describeRun(result)}`);
    },
    CASE_OPTIONS,
  );

  fuzzTest(
    "engine: validate never throws, and every issue says where",
    () => mutatedFlow(world),
    async (fuzzCase) => {
      const engine = newEngine();
      const text = caseText(fuzzCase);
      const value = parseFlowValue(text);
      const issues = validateOrFail(engine, text, "validate(text)");
      checkIssues(issues, "validate(text)", value);
      if (value === undefined) return;
      const objectIssues = validateOrFail(engine, value, "validate(object)");
      checkIssues(objectIssues, "validate(object)", value);
      // Limits on the text itself (depth, size) also see what JSON.parse drops: the first of two
      // duplicate keys. Only those may tell the text from its parsed value.
      const textOnly = (issues as Array<{ code: string }>).every((issue) => TEXT_LIMIT_CODES.has(issue.code));
      if (
        ((issues as unknown[]).length === 0) !== ((objectIssues as unknown[]).length === 0) &&
        !((objectIssues as unknown[]).length === 0 && textOnly)
      )
        throw violation(
          `validate(text) found ${(issues as unknown[]).length} issue(s) and validate(object) ${(objectIssues as unknown[]).length}: the same flow`,
        );
    },
    CASE_OPTIONS,
  );

  fuzzTest(
    "engine: compile agrees with validate",
    () => mutatedFlow(world),
    async (fuzzCase) => {
      const engine = newEngine();
      const text = caseText(fuzzCase);
      const issues = validateOrFail(engine, text, "validate(text)") as unknown[];
      let compiled = false;
      try {
        engine.compile(text);
        compiled = true;
      } catch (error) {
        expectPrototypesUnchanged("compile");
        checkRefusal(error, "compile", parseFlowValue(text));
        if (!(error instanceof FlowValidationError)) throw violation(`compile threw ${String(error)}`);
      }
      expectPrototypesUnchanged("compile");
      if (compiled === issues.length > 0)
        throw violation(
          compiled
            ? `compile accepted a flow validate found ${issues.length} issue(s) in`
            : "compile refused a flow validate found no issue in",
        );
    },
    CASE_OPTIONS,
  );

  fuzzTest(
    "engine: run gives a coded result or refuses before running",
    () => mutatedFlow(world),
    async (fuzzCase) => {
      const engine = newEngine();
      const text = caseText(fuzzCase);
      const result = await runToEnd(engine, text, fuzzCase.inputs);
      if (result) checkRunResult(result, expectationsOf(parseFlowValue(text), text.length), "run");
    },
    CASE_OPTIONS,
  );

  fuzzTest(
    "engine: literal values come out of a run as they went in",
    () => literalFlow,
    async (fuzzCase) => {
      const engine = newEngine();
      const text = renderFlowText(fuzzCase.flow);
      const issues = validateOrFail(engine, text, "validate(text)");
      checkIssues(issues, "validate(text)", fuzzCase.flow);
      if ((issues as unknown[]).length > 0) return;
      const result = await runToEnd(engine, text, {});
      if (!result) throw violation("the engine refused a flow validate found no issue in");
      checkRunResult(result, expectationsOf(fuzzCase.flow, text.length), "run");
      if (result.status !== "succeeded") throw violation(`the run did not succeed: ${describeRun(result)}`);
      const parsed = JSON.parse(text) as { nodes: Array<{ inputs: { value: unknown } }> };
      fuzzCase.literals.forEach(({ id, output }, index) => {
        const expected = parsed.nodes[index]!.inputs.value;
        const fromNode = findDifference(
          result.nodes[id]?.output,
          expected,
          `result.nodes[${JSON.stringify(id)}].output`,
        );
        if (fromNode) throw violation(fromNode);
        if (!Object.hasOwn(result.outputs, output))
          throw violation(`output ${describeShort(output)} is not an own property of result.outputs`);
        const fromOutput = findDifference(
          result.outputs[output],
          expected,
          `result.outputs[${describeShort(output)}]`,
        );
        if (fromOutput) throw violation(fromOutput);
      });
    },
    CASE_OPTIONS,
  );

  fuzzTest(
    "engine: inputs the flow does not declare are refused",
    () =>
      fc
        .tuple(validFlow(world), fc.oneof({ weight: 3, arbitrary: prototypeName }, wildName, oddText))
        .filter(([fuzzCase, name]) => {
          const declared = (fuzzCase.flow as { inputs?: object }).inputs ?? {};
          return !Object.hasOwn(declared, name);
        })
        .map(([fuzzCase, name]) => {
          const inputs = { ...fuzzCase.inputs };
          setOwn(inputs, name, "1");
          return {
            ...fuzzCase,
            inputs,
            mutations: [`run input ${describeShort(name)} = "1" (not declared)`],
          };
        }),
    async (fuzzCase) => {
      const engine = newEngine();
      const text = caseText(fuzzCase);
      let handle: RunHandle;
      try {
        handle = engine.run(text, { inputs: fuzzCase.inputs });
      } catch (error) {
        expectPrototypesUnchanged("engine.run");
        if (error instanceof FlowError && error.code.startsWith("input.")) {
          checkRefusal(error, "engine.run", fuzzCase.flow);
          return;
        }
        throw error;
      }
      const result = await withDeadline(handle, CASE_TIMEOUT_MS, "the run", () => handle.cancel("timed out"));
      throw violation(
        `an input the flow does not declare was accepted; the run ended ${describeRun(result)}`,
      );
    },
    CASE_OPTIONS,
  );

  const knownInputs = new Map(
    builtinNodeTypes.map((nodeType) => [
      nodeType.type,
      new Set(Object.keys((nodeType.input as unknown as { shape: Record<string, unknown> }).shape)),
    ]),
  );

  fuzzTest(
    "engine: node input keys the node type does not know are reported",
    () =>
      fc
        .tuple(
          validFlow(world),
          fc.nat(),
          fc.oneof({ weight: 3, arbitrary: prototypeName }, wildName, oddText),
        )
        .map(([fuzzCase, pick, key]) => {
          const nodes = (fuzzCase.flow as { nodes: Array<{ id: string; type: string; inputs: object }> })
            .nodes;
          const index = pick % nodes.length;
          const node = nodes[index]!;
          if (knownInputs.get(node.type)?.has(key)) return undefined;
          const flow = structuredClone(fuzzCase.flow) as typeof fuzzCase.flow & { nodes: typeof nodes };
          setOwn(flow.nodes[index]!.inputs, key, "extra");
          return {
            ...fuzzCase,
            flow,
            nodeId: node.id,
            mutations: [`add nodes[${index}].inputs[${describeShort(key)}] = "extra"`],
          };
        })
        .filter((fuzzCase) => fuzzCase !== undefined),
    async (fuzzCase) => {
      const engine = newEngine();
      const text = caseText(fuzzCase);
      const issues = validateOrFail(engine, text, "validate(text)") as Array<{
        nodeId?: string;
        message: string;
      }>;
      checkIssues(issues, "validate(text)", fuzzCase.flow);
      if (!issues.some((issue) => issue.nodeId === fuzzCase.nodeId))
        throw violation(
          `no issue names node "${fuzzCase.nodeId}", whose inputs hold a key its type does not know (issues: ${describeShort(issues.map((issue) => issue.message))})`,
        );
    },
    CASE_OPTIONS,
  );

  fuzzTest(
    "engine: huge, deep and numerous values end in a bounded, coded outcome",
    () => stressedFlow(world),
    async (fuzzCase) => {
      const engine = newEngine();
      const text = caseText(fuzzCase);
      const value = parseFlowValue(text);
      checkIssues(validateOrFail(engine, text, "validate(text)"), "validate(text)", value);
      if (value !== undefined)
        checkIssues(validateOrFail(engine, value, "validate(object)"), "validate(object)", value);
      const result = await runToEnd(engine, text, fuzzCase.inputs);
      if (result) checkRunResult(result, expectationsOf(value, text.length), "run");
    },
    { ...CASE_OPTIONS, describe: (fuzzCase: MutatedCase) => describeCase(fuzzCase, 600) },
  );
});
