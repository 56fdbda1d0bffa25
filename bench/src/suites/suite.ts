import type { Adapter } from "../adapters/adapter.js";
import type { Section } from "../results.js";

/** What every workload's measurement gets from the entry point. */
export interface SuiteContext {
  /** Smaller sizes and counts, for a quick look. */
  quick: boolean;
  /** Adapters loaded in this process, in table order. */
  adapters: readonly Adapter[];
  /** Progress for the terminal; never part of the report. */
  progress(message: string): void;
}

/** Measures one workload and describes it as a table section. */
export type Suite = (context: SuiteContext) => Promise<Section>;
