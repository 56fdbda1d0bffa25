import type { BatchOptions, BatchRows } from "./batch/batch-options.js";
import type { BatchRun } from "./batch/batch-run.js";
import { startBatch } from "./batch/start-batch.js";
import type { CompiledFlow } from "./compiled-flow.js";
import { type ConnectionProblem, checkConnections } from "./connection-kind/check-connections.js";
import { ConnectionKinds } from "./connection-kind/connection-kinds.js";
import { ConnectionLimiter } from "./connection-kind/connection-limiter.js";
import type { AnyConnectionKind } from "./connection-kind/define-connection-kind.js";
import type { ConnectionProvider } from "./connection-kind/provider.js";
import type { SharedConnectionLimits } from "./connection-kind/shared-connection-limits.js";
import { FlowValidationError, type ValidationIssue } from "./flow/issues.js";
import { checkFlowSchema, parseFlowText, pathSegments } from "./flow/load.js";
import type { FlowDefinition } from "./flow/schema.js";
import { type CompiledFlow as Compiled, compileFlow, isCompiledFlow } from "./graph/compile-flow.js";
import {
  DEFAULT_FLOW_LIMITS,
  DEFAULT_MAX_OUTPUT_LENGTH,
  DEFAULT_MAX_RESPONSE_BYTES,
  type FlowLimits,
} from "./limits.js";
import { bindNodeTypes, registeredConnectionKinds } from "./node-type/bind-node-types.js";
import type { AnyNodeType } from "./node-type/define-node-type.js";
import { NodeTypeRegistry } from "./node-type/registry.js";
import { type Prices, type PricesFile, parsePrices } from "./run/prices.js";
import { RunHandle } from "./run/run-handle.js";
import { checkTimeout, type RunLimits } from "./run/run-limits.js";
import type { RunSlot } from "./run/run-waits.js";

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
  /**
   * Limits on the flows this engine accepts, to raise or lower the defaults (`MAX_FLOW_FILE_BYTES`,
   * `MAX_FLOW_NODES`). Nesting depth and message sizes are fixed.
   */
  limits?: Partial<FlowLimits>;
  /**
   * How long a run may take, in ms (`Infinity` for no limit); a run fails with `run.timeout` past
   * it. Without it, 600 000 (10 minutes), or the flow's top-level `timeoutMs`. A flow can shorten
   * the app's value, never lengthen it. `RunOptions.runTimeoutMs` overrides it for one run.
   */
  runTimeoutMs?: number;
  /**
   * How long one service request (one attempt of a chat completion) may take once it holds its
   * connection slot, in ms (`Infinity` for no limit); past it the attempt fails with a retryable
   * `node.timeout`. Without it, 120 000 (2 minutes), or the node's `requestTimeoutMs`. A node can
   * shorten the app's value, never lengthen it. `RunOptions.requestTimeoutMs` overrides it for one run.
   */
  requestTimeoutMs?: number;
  /**
   * Most bytes a node reads from one service response, success or error body; past it the node
   * fails with `llm.response-too-large`. 8 MiB unless set.
   */
  maxResponseBytes?: number;
  /**
   * Most characters of a node's output written as JSON; past it the node fails with
   * `node.output-too-large`. 16 MiB unless set.
   */
  maxOutputLength?: number;
  /**
   * Prices per million tokens, per model or deployment, to report cost beside tokens in results
   * and events: as read from a prices file (checked here; a `prices.invalid` error says what is
   * wrong) or from `parsePrices`. Weft ships none.
   */
  prices?: PricesFile | Prices;
  /**
   * The per-connection limits to share, e.g. one `ConnectionLimiter` for several engines of a
   * process so that a tenant's `requestsPerMinute` holds across all of them. Its own otherwise.
   */
  limiter?: ConnectionLimiter;
  /**
   * Limits held together with other processes, e.g. `createRedisConnectionLimits` of `@weft/queue`,
   * for the engine's own limiter (with `limiter`, give them to that limiter instead).
   */
  sharedLimits?: SharedConnectionLimits;
}

/** Options of one run. */
export interface RunOptions {
  /** Values for the flow's declared inputs. `secret` inputs accept a string or a `Secret`. */
  inputs?: Record<string, unknown>;
  /** Aborting it cancels the run: running nodes get an aborted signal, others end `cancelled`. */
  signal?: AbortSignal;
  /** Nodes running at once; `Infinity` for no bound. */
  concurrency?: number;
  /** An id for the run; unless given, a UUID the engine makes, unique across runs and processes. */
  runId?: string;
  /**
   * Asks every node that can stream to stream (`node:token` events), as `weft run --stream` does.
   * A node input that says otherwise (`"stream": false` on a chat completion) still wins.
   */
  stream?: boolean;
  /** `EngineOptions.runTimeoutMs` for this run. */
  runTimeoutMs?: number;
  /** `EngineOptions.requestTimeoutMs` for this run. */
  requestTimeoutMs?: number;
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
  /**
   * Runs a flow once per row, many rows at once on this engine: iterate the result for each row's
   * result as it ends. Throws `FlowValidationError` for an invalid flow and a `FlowError`
   * (`input.invalid`) for a `map` or `inputs` the flow's inputs refuse, before any row is read; a
   * row that cannot run is that row's failure.
   */
  batch(flow: string | FlowDefinition | CompiledFlow, rows: BatchRows, options?: BatchOptions): BatchRun;
  /**
   * Looks up the static connections a flow names before running it, so that an app can refuse a
   * run that would fail on a missing connection: an `error` for one a node relies on, a `warning`
   * for one that only backs up a `dynamicConnection`. Empty when all are there. Throws
   * `FlowValidationError` for an invalid flow.
   */
  checkConnections(flow: string | FlowDefinition | CompiledFlow): Promise<ConnectionProblem[]>;
  /** The registered node types. */
  readonly nodeTypes: NodeTypeRegistry;
  /** The registered connection kinds. */
  readonly connectionKinds: ConnectionKinds;
}

/** Creates an engine with explicit registries of node types and connection kinds. */
export function createEngine(options: EngineOptions): Engine {
  const kinds = registeredConnectionKinds(options.connectionKinds ?? [], options.nodeTypes);
  const registry = new NodeTypeRegistry(bindNodeTypes(options.nodeTypes, kinds));
  const connectionKinds = new ConnectionKinds(kinds);
  const services = {
    connectionKinds,
    connections: options.connections,
    limiter: options.limiter ?? new ConnectionLimiter(connectionKinds, { shared: options.sharedLimits }),
    prices: options.prices === undefined ? undefined : parsePrices(options.prices),
  };
  if (options.limiter && options.sharedLimits)
    throw new TypeError(
      "Expected `sharedLimits` or `limiter`, got both: give the shared limits to the limiter",
    );
  const defaultConcurrency = checkConcurrency(options.concurrency ?? 16);
  const limits = checkLimits(options.limits);
  const runLimits: RunLimits = {
    maxResponseBytes: checkSize("maxResponseBytes", options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES),
    maxOutputLength: checkSize("maxOutputLength", options.maxOutputLength ?? DEFAULT_MAX_OUTPUT_LENGTH),
  };
  const runTimeoutMs = checkTimeout("runTimeoutMs", options.runTimeoutMs);
  const requestTimeoutMs = checkTimeout("requestTimeoutMs", options.requestTimeoutMs);

  const check = (flow: string | unknown): { compiled?: Compiled; issues: ValidationIssue[] } => {
    if (typeof flow === "string") {
      const loaded = parseFlowText(flow, limits);
      if (!loaded.flow) return { issues: inFileOrder(loaded.issues) };
      const result = compileFlow(loaded.flow, registry);
      for (const issue of result.issues) {
        const at = issue.path === undefined ? undefined : loaded.locate(pathSegments(issue.path));
        if (at) Object.assign(issue, at);
      }
      inFileOrder(result.issues);
      return result;
    }
    const parsed = checkFlowSchema(flow, limits);
    return parsed.flow ? compileFlow(parsed.flow, registry) : { issues: parsed.issues };
  };

  const compile = (flow: string | FlowDefinition | CompiledFlow, file?: string): Compiled => {
    if (isCompiledFlow(flow)) return flow;
    const { compiled, issues } = check(flow);
    if (!compiled) throw new FlowValidationError(issues, file);
    return compiled;
  };

  const engine: Engine = {
    nodeTypes: registry,
    connectionKinds,
    validate: (flow) => check(flow).issues,
    compile,
    checkConnections: async (flow) => checkConnections(compile(flow), services.connections),
    run: (flow, runOptions = {}) => start(compile(flow), runOptions),
    batch: (flow, rows, batchOptions = {}) => startBatch(compile(flow), rows, batchOptions, start),
  };

  /** Starts a run; a row of a batch passes the slot it holds (see `RunWaits`). */
  function start(compiled: Compiled, runOptions: RunOptions, slot?: RunSlot): RunHandle {
    return new RunHandle(compiled, services, {
      ...(runOptions.runId === undefined ? {} : { runId: runOptions.runId }),
      concurrency: checkConcurrency(runOptions.concurrency ?? defaultConcurrency),
      limits: withTimeouts(
        runLimits,
        checkTimeout("runTimeoutMs", runOptions.runTimeoutMs) ?? runTimeoutMs,
        checkTimeout("requestTimeoutMs", runOptions.requestTimeoutMs) ?? requestTimeoutMs,
      ),
      inputs: runOptions.inputs ?? {},
      stream: runOptions.stream ?? false,
      ...(runOptions.signal ? { signal: runOptions.signal } : {}),
      slot,
    });
  }
  return engine;
}

/** Sorts issues by line and column, as an editor would list them; issues without a place go last. */
function inFileOrder(issues: ValidationIssue[]): ValidationIssue[] {
  return issues.sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0),
  );
}

/** A bound below 1 (or NaN) would never let a node start: the run would wait forever. */
function checkConcurrency(concurrency: number): number {
  if (concurrency >= 1) return concurrency;
  throw new RangeError(`Expected \`concurrency\` to be a number from 1 and up, got ${concurrency}`);
}

function checkLimits(limits: Partial<FlowLimits> = {}): FlowLimits {
  const checked = { ...DEFAULT_FLOW_LIMITS };
  for (const name of Object.keys(DEFAULT_FLOW_LIMITS) as Array<keyof FlowLimits>) {
    const value = limits[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`Expected \`limits.${name}\` to be a whole number from 1 and up, got ${value}`);
    checked[name] = value;
  }
  return checked;
}

/** A size limit below 1 would refuse everything. */
function checkSize(name: string, value: number): number {
  if (value >= 1) return value;
  throw new RangeError(`Expected \`${name}\` to be a number from 1 and up, got ${value}`);
}

function withTimeouts(
  limits: RunLimits,
  runTimeoutMs: number | undefined,
  requestTimeoutMs: number | undefined,
): RunLimits {
  return {
    ...limits,
    ...(runTimeoutMs === undefined ? {} : { runTimeoutMs }),
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  };
}
