import { setOwn } from "../flow/references.js";
import type { ResolvedConnection, TokenUsage } from "../node-type/define-node-type.js";
import type { RunUsage } from "./run-result.js";

/** Token usage of one run: per node, in all, and per connection. */
export class UsageTally {
  /** What the run reports as `usage`. */
  readonly total: RunUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, byConnection: {} };
  /** Made at the first report: most runs call no model. */
  #byNode: Map<number, TokenUsage> | undefined;

  /** Adds a node's usage; connections are labelled by static name, else `dynamic:<name or host>`. */
  add(nodeIndex: number, usage: TokenUsage, connection?: ResolvedConnection): void {
    this.#byNode ??= new Map();
    this.#byNode.set(nodeIndex, addTokens(this.#byNode.get(nodeIndex) ?? zero(), usage));
    addTokens(this.total, usage);
    if (connection) {
      const label =
        connection.source === "static" && connection.name ? connection.name : connectionLabel(connection);
      // The label is a connection's name, a user string: an own key, never a prototype lookup.
      const byConnection = this.total.byConnection;
      const known = Object.hasOwn(byConnection, label) ? byConnection[label] : undefined;
      if (known) addTokens(known, usage);
      else setOwn(byConnection, label, addTokens(zero(), usage));
    }
  }

  /** A node's usage, if it reported any. */
  forNode(nodeIndex: number): TokenUsage | undefined {
    return this.#byNode?.get(nodeIndex);
  }
}

function zero(): TokenUsage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
}

function addTokens(into: TokenUsage, usage: TokenUsage): TokenUsage {
  into.promptTokens += usage.promptTokens;
  into.completionTokens += usage.completionTokens;
  into.totalTokens += usage.totalTokens;
  return into;
}

/** `dynamic:<name>` for named dynamic connections, else `dynamic:<label>` (a host), so tenants stay apart in usage. */
function connectionLabel(resolved: ResolvedConnection): string {
  return `${resolved.source}:${resolved.connection.name || resolved.label}`;
}
