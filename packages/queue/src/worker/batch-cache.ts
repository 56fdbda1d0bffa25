import { type CompiledFlow, type Engine, FlowValidationError, type Prices } from "@weft/engine";
import type { Redis } from "ioredis";
import { type BatchSpec, loadBatch, pricesOfSpec } from "../batch-spec.js";
import { MAX_CACHED_BATCHES } from "../limits.js";

/** A batch ready to run rows of: its compiled flow, its spec and the engine with its prices. */
export interface ReadyBatch {
  flow: CompiledFlow;
  spec: BatchSpec;
  engine: Engine;
}

/** A flow this worker cannot run (a node type it lacks): no other attempt here would do better. */
export class FlowRefusedError extends Error {
  override readonly name = "FlowRefusedError";
}

/** The batches a worker has seen, compiled once each: at most `MAX_CACHED_BATCHES`, oldest dropped. */
export class BatchCache {
  readonly #batches = new Map<string, Promise<ReadyBatch>>();

  constructor(
    readonly client: Redis,
    readonly prefix: string,
    readonly secretKey: Buffer,
    readonly engineFor: (prices?: Prices) => Engine,
  ) {}

  /** The batch, read from Redis on first use; a failed read is not kept, so a retry reads again. */
  get(batchId: string): Promise<ReadyBatch> {
    let ready = this.#batches.get(batchId);
    if (!ready) {
      ready = this.#load(batchId);
      this.#batches.set(batchId, ready);
      ready.catch(() => this.#batches.delete(batchId));
      if (this.#batches.size > MAX_CACHED_BATCHES) {
        const oldest = this.#batches.keys().next().value;
        if (oldest !== undefined) this.#batches.delete(oldest);
      }
    }
    return ready;
  }

  async #load(batchId: string): Promise<ReadyBatch> {
    const { flowText, spec } = await loadBatch(this.client, this.prefix, batchId, this.secretKey);
    const engine = this.engineFor(pricesOfSpec(spec.prices));
    try {
      return { flow: engine.compile(flowText), spec, engine };
    } catch (error) {
      if (error instanceof FlowValidationError) {
        throw new FlowRefusedError(
          `this worker cannot run the flow of batch ${batchId}: ${error.message} (start workers with the producer's --plugin modules)`,
        );
      }
      throw error;
    }
  }
}
