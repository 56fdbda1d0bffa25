import { setOwn } from "../flow/references.js";
import type { ResolvedConnection, TokenUsage, UsageDetails } from "../node-type/define-node-type.js";
import { costOf, findPrice, type Prices } from "./prices.js";
import { addUsage, emptyRunUsage, emptyUsage, type RunUsage, roundCost, type Usage } from "./usage.js";

/** A connection as usage sees it: resolved, and its identity hash when it went through a service connection. */
export type UsageConnection = ResolvedConnection & { readonly identity?: string };

/** One call's usage as a node reports it: the service's counts (`null`: none), its connection, what priced it. */
export type UsageReport = [usage: TokenUsage | null, connection?: UsageConnection, details?: UsageDetails];

/** Token usage and cost of one run: per node, in all, and per connection identity. */
export class UsageTally {
  /** What the run reports as `usage`. */
  readonly total: RunUsage;
  /** Made at the first call a node reports: most runs of most flows call no service. */
  #byNode: Map<number, Usage> | undefined;
  readonly #prices: Prices | undefined;

  constructor(prices?: Prices) {
    this.#prices = prices;
    this.total = emptyRunUsage();
    if (prices) Object.assign(this.total, { cost: 0, currency: prices.currency, unpricedRequests: 0 });
  }

  /**
   * Counts one call for a node, the run and its connection: `usage` as the service reported it, or
   * `null` when it reported none.
   */
  add(
    nodeIndex: number,
    usage: TokenUsage | null,
    connection?: UsageConnection,
    details?: UsageDetails,
  ): void {
    const call = this.#call(usage, details);
    this.#byNode ??= new Map();
    const node = this.#byNode.get(nodeIndex);
    if (node) addUsage(node, call);
    else this.#byNode.set(nodeIndex, addUsage(this.#empty(), call));
    addUsage(this.total, call);
    if (connection) {
      const label = usageLabel(connection);
      // The label is a connection's name, a user string: an own key, never a prototype lookup.
      const byConnection = this.total.byConnection;
      const known = Object.hasOwn(byConnection, label) ? byConnection[label] : undefined;
      if (known) addUsage(known, call);
      else setOwn(byConnection, label, addUsage(this.#empty(), call));
    }
  }

  /** A node's usage, if it reported any. */
  forNode(nodeIndex: number): Usage | undefined {
    return this.#byNode?.get(nodeIndex);
  }

  /** One call as usage, priced when the engine has prices. */
  #call(usage: TokenUsage | null, details: UsageDetails | undefined): Usage {
    const call: Usage =
      usage === null
        ? {
            requests: 1,
            promptTokens: null,
            completionTokens: null,
            totalTokens: null,
            reported: false,
            unreportedRequests: 1,
          }
        : {
            requests: 1,
            promptTokens: usage.promptTokens,
            completionTokens: usage.completionTokens,
            totalTokens: usage.totalTokens,
            reported: true,
            unreportedRequests: 0,
          };
    const prices = this.#prices;
    if (prices) {
      const price = usage === null ? undefined : findPrice(prices, [details?.deployment, details?.model]);
      call.cost =
        price && usage ? roundCost(costOf(price, usage.promptTokens, usage.completionTokens)) : null;
      call.currency = prices.currency;
      call.unpricedRequests = usage !== null && !price ? 1 : 0;
    }
    return call;
  }

  #empty(): Usage {
    const usage = emptyUsage();
    if (this.#prices) Object.assign(usage, { cost: 0, currency: this.#prices.currency, unpricedRequests: 0 });
    return usage;
  }
}

/**
 * A connection's usage label: a static connection's name; a dynamic one's `name`, else its host
 * and a short fingerprint of its identity hash (which covers the key): `host#key-1a2b3c4d`.
 */
export function usageLabel(connection: UsageConnection): string {
  if (connection.source === "static" && connection.name) return connection.name;
  const name = connection.connection.name;
  if (name) return name;
  return connection.identity === undefined
    ? connection.label
    : `${connection.label}#key-${fingerprint(connection.identity)}`;
}

/** The first 4 bytes of an identity hash (base64url), as 8 hex digits. */
function fingerprint(identity: string): string {
  return Buffer.from(identity.slice(0, 8), "base64url").toString("hex").slice(0, 8);
}
