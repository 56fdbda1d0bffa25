import { randomUUID } from "node:crypto";
import { ConnectionKinds } from "./connection-kind/connection-kinds.js";
import { ConnectionLimiter } from "./connection-kind/connection-limiter.js";
import type { AnyConnectionKind } from "./connection-kind/define-connection-kind.js";
import type { ConnectionProvider } from "./connection-kind/provider.js";
import { FlowValidationError, type ValidationIssue } from "./flow/issues.js";
import { checkFlowSchema, parseFlowText, pathSegments } from "./flow/load.js";
import type { FlowDefinition } from "./flow/schema.js";
import { type CompiledFlow, compileFlow } from "./graph/compile-flow.js";
import type { AnyNodeType } from "./node-type/define-node-type.js";
import { NodeTypeRegistry } from "./node-type/registry.js";
import { RunHandle } from "./run/run-handle.js";

/** How to build an engine. */
export interface EngineOptions {
  /** The node types flows may use (e.g. `builtinNodeTypes` from `@weft/nodes`, plus your own). */
  nodeTypes: readonly AnyNodeType[];
  /**
   * The connection kinds connections may have (e.g. `builtinConnectionKinds` from `@weft/nodes`,
   * plus your own). Every connection a node uses is checked against its kind.
   */
  connectionKinds?: readonly AnyConnectionKind[];
  /** Where static connections come from, by name. */
  connections?: ConnectionProvider;
  /** Default bound on nodes running at once in a run. 16 unless set. */
  concurrency?: number;
}

/** Options of one run. */
export interface RunOptions {
  /** Values for the flow's declared inputs. `secret` inputs accept a string or a `Secret`. */
  inputs?: Record<string, unknown>;
  /** Aborting it cancels the run: running nodes get an aborted signal, others end `cancelled`. */
  signal?: AbortSignal;
  /** Nodes running at once; `Infinity` for no bound. */
  concurrency?: number;
  /** An id for the run; a random UUID unless given. */
  runId?: string;
  /**
   * Asks every node that can stream to stream (`node:token` events), as `weft run --stream` does.
   * A node input that says otherwise (`"stream": false` on a chat completion) still wins.
   */
  stream?: boolean;
}

/** A flow engine: validates, compiles and runs flows with a fixed set of node types and connections. */
export interface Engine {
  /** Problems with a flow (text or object), all at once; empty when it is valid. */
  validate(flow: string | unknown): ValidationIssue[];
  /** Validates and compiles a flow (text or object) for running; throws `FlowValidationError`. */
  compile(flow: string | FlowDefinition | CompiledFlow, file?: string): CompiledFlow;
  /**
   * Starts a run. Throws `FlowValidationError` for an invalid flow and a `FlowError`
   * (`input.invalid`) for bad inputs, before anything runs.
   */
  run(flow: string | FlowDefinition | CompiledFlow, options?: RunOptions): RunHandle;
  /** The registered node types. */
  readonly nodeTypes: NodeTypeRegistry;
  /** The registered connection kinds. */
  readonly connectionKinds: ConnectionKinds;
}

/** Creates an engine with explicit registries of node types and connection kinds. */
export function createEngine(options: EngineOptions): Engine {
  const registry = new NodeTypeRegistry(options.nodeTypes);
  const connectionKinds = new ConnectionKinds(options.connectionKinds ?? []);
  const services = {
    connectionKinds,
    connections: options.connections,
    limiter: new ConnectionLimiter(connectionKinds),
  };
  const defaultConcurrency = checkConcurrency(options.concurrency ?? 16);

  const check = (flow: string | unknown): { compiled?: CompiledFlow; issues: ValidationIssue[] } => {
    if (typeof flow === "string") {
      const loaded = parseFlowText(flow);
      if (!loaded.flow) return { issues: loaded.issues };
      const result = compileFlow(loaded.flow, registry);
      for (const issue of result.issues) {
        const at = issue.path === undefined ? undefined : loaded.locate(pathSegments(issue.path));
        if (at) Object.assign(issue, at);
      }
      // In file order, as an editor would list them.
      result.issues.sort(
        (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0),
      );
      return result;
    }
    const parsed = checkFlowSchema(flow);
    return parsed.flow ? compileFlow(parsed.flow, registry) : { issues: parsed.issues };
  };

  const compile = (flow: string | FlowDefinition | CompiledFlow, file?: string): CompiledFlow => {
    if (isCompiled(flow)) return flow;
    const { compiled, issues } = check(flow);
    if (!compiled) throw new FlowValidationError(issues, file);
    return compiled;
  };

  return {
    nodeTypes: registry,
    connectionKinds,
    validate: (flow) => check(flow).issues,
    compile,
    run(flow, runOptions = {}) {
      return new RunHandle(compile(flow), services, {
        runId: runOptions.runId ?? randomUUID(),
        concurrency: checkConcurrency(runOptions.concurrency ?? defaultConcurrency),
        inputs: runOptions.inputs ?? {},
        stream: runOptions.stream ?? false,
        ...(runOptions.signal ? { signal: runOptions.signal } : {}),
      });
    },
  };
}

/** A bound below 1 (or NaN) would never let a node start: the run would wait forever. */
function checkConcurrency(concurrency: number): number {
  if (concurrency >= 1) return concurrency;
  throw new RangeError(`Expected \`concurrency\` to be a number from 1 and up, got ${concurrency}`);
}

function isCompiled(flow: unknown): flow is CompiledFlow {
  return typeof flow === "object" && flow !== null && "byId" in flow && "graph" in flow && "nodes" in flow;
}
