import { setOwn } from "../flow/references.js";

/**
 * Token usage and cost of some service calls: one node's, a run's, a connection's, or many runs'
 * added up (`addUsage`). "Not reported by the service" is not zero: calls the service gave no usage
 * for are counted in `unreportedRequests`, and the token counts are `null` when no call reported any.
 */
export interface Usage {
  /** Service calls counted, whether their usage was reported or not. */
  requests: number;
  /** Tokens of the requests (the messages sent), as the service counted them; `null` when no call reported usage. */
  promptTokens: number | null;
  /** Tokens of the answers; `null` when no call reported usage. */
  completionTokens: number | null;
  /** Both together, as the service counts them; `null` when no call reported usage. */
  totalTokens: number | null;
  /** Whether the service reported the usage of every call counted here (`unreportedRequests` is 0). */
  reported: boolean;
  /** Calls the service reported no usage for: the token counts leave them out. */
  unreportedRequests: number;
  /**
   * What the reported tokens cost at the engine's `prices`, in `currency`. Absent without prices;
   * `null` when no call could be priced (no usage, or no price for its model).
   */
  cost?: number | null;
  /** The prices' currency, beside `cost`. */
  currency?: string;
  /** Calls with reported usage but no price for their model or deployment: `cost` leaves them out. */
  unpricedRequests?: number;
}

/** Usage of a run: in all, and per connection identity. */
export interface RunUsage extends Usage {
  /**
   * Usage per connection identity: a static connection by its name; a dynamic one by its `name`
   * if it has one, else by its host and a short fingerprint of its key (`host#key-1a2b3c4d`),
   * never the key itself. Own properties only, whatever the name.
   */
  byConnection: Record<string, Usage>;
}

/** No calls yet. */
export function emptyUsage(): Usage {
  return {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    reported: true,
    unreportedRequests: 0,
  };
}

/** A run's usage before any call. */
export function emptyRunUsage(): RunUsage {
  // A literal rather than a spread of `emptyUsage()`: one is made per run.
  return {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    reported: true,
    unreportedRequests: 0,
    byConnection: {},
  };
}

/**
 * Adds `usage` into `into` (changing it) and gives `into`: for a batch's running totals. Throws a
 * `RangeError` for costs in two currencies (they cannot be added).
 */
export function addUsage<T extends Usage>(into: T, usage: Usage): T {
  into.requests += usage.requests;
  into.unreportedRequests += usage.unreportedRequests;
  // `null` only while calls were counted and none of them reported usage.
  const none = into.requests > 0 && into.unreportedRequests === into.requests;
  into.promptTokens = none ? null : (into.promptTokens ?? 0) + (usage.promptTokens ?? 0);
  into.completionTokens = none ? null : (into.completionTokens ?? 0) + (usage.completionTokens ?? 0);
  into.totalTokens = none ? null : (into.totalTokens ?? 0) + (usage.totalTokens ?? 0);
  into.reported = into.unreportedRequests === 0;
  if (usage.cost !== undefined) {
    if (into.currency !== undefined && usage.currency !== undefined && into.currency !== usage.currency) {
      throw new RangeError(`Expected costs in one currency, got ${into.currency} and ${usage.currency}`);
    }
    if (usage.currency !== undefined) into.currency = usage.currency;
    into.unpricedRequests = (into.unpricedRequests ?? 0) + (usage.unpricedRequests ?? 0);
    // `null` only while calls were counted and none of them could be priced.
    const priced = into.requests - into.unreportedRequests - into.unpricedRequests;
    into.cost = priced === 0 && into.requests > 0 ? null : roundCost((into.cost ?? 0) + (usage.cost ?? 0));
  }
  return into;
}

/** Adds one run's usage into a total (changing it), connection by connection. */
export function addRunUsage(into: RunUsage, usage: RunUsage): RunUsage {
  addUsage(into, usage);
  for (const [label, entry] of Object.entries(usage.byConnection)) {
    const known = Object.hasOwn(into.byConnection, label) ? into.byConnection[label] : undefined;
    if (known) addUsage(known, entry);
    else setOwn(into.byConnection, label, addUsage(emptyUsage(), entry));
  }
  return into;
}

/** Costs to 10 decimal places: sums of prices per token otherwise gather float noise. */
export function roundCost(cost: number): number {
  return Math.round(cost * 1e10) / 1e10;
}
